// The vault end to end (issue 5) on the real broker and database: a ReadModelSpine (own topics,
// own migrated database, tenancy roles) with the REAL command processor (in-process, the
// spine's master key), the REAL projector, a signed PalisadeClient, the key store on the spine's
// database, the opener's read path (the `opener` role through secrets-reader.ts) and
// SecretOpeners wired as a service would wire them: keystore + readSecret + a re-seal publisher
// that seals the legacy plaintext to the intake key (producers/secrets.ts) and sends
// ResealLegacySecret with the opener's deterministic command id. Every log line of the
// processor, the projector and their Kafka clients is recorded, and so is every CommandResult
// this harness saw, for the canary scan.
import { createCipheriv, randomBytes, randomUUID, scryptSync } from 'node:crypto';
import type pg from 'pg';
import { expect } from 'vitest';
import { readTenantEvents } from '../../../audit/tenant-events.ts';
import type { ProcessorLogger } from '../../../consumers/command-processor/options.ts';
import type { CommandProcessor } from '../../../consumers/command-processor/processor.ts';
import { OpenerError, SecretOpener, bindingOf, type OpenerDeps, type SecretRef } from '../../../consumers/vault/secret-opener.ts';
import { openPool } from '../../../adapters/postgres/pool.ts';
import type { Provider, ResealLegacySecretData, Role } from '../../../domain/tenant/types.ts';
import { KeyStore } from '../../../crypto/vault/store/key-store.ts';
import { endOffsets, readPartitionsToEnd } from '../../../adapters/kafka/partition-reader.ts';
import { partitionFor } from '../../../adapters/kafka/partitioner.ts';
import type { PalisadeClient, CommandInput } from '../../../producers/client.ts';
import { sealSecret } from '../../../producers/secrets.ts';
import { READ_MODEL_NAMES } from '../../../projections/models/index.ts';
import { readSecret, secretsReaderPool } from '../../../consumers/vault/secrets-reader.ts';
import { decodeCommand } from '../../../schemas/codec.ts';
import type { CommandResult, LogicalEvent, SignedCommand } from '../../../domain/logical.ts';
import type { Kek } from '../../../crypto/vault/key-wrap.ts';
import { ReadModelSpine } from '../../projections/support/read-models.ts';
import { produceOneByOne } from '../../projections/support/tenant-world.ts';
import type { GeneratedEvent } from '../../bench/_synthetic-events.ts';
import { newIdentity, userActor } from '../../support/spine.ts';

export const RESEALER = { kind: 'service', id: 'vault-opener' } as const;
/** The old system's secret (PALISADE_LEGACY_SECRET) in these tests. */
export const LEGACY_SECRET = `legacy-secret-${randomBytes(8).toString('hex')}`;

/** A logger (processor, projector, their Kafka clients) that keeps every line as text. */
export class RecordingLog implements ProcessorLogger {
  readonly lines: string[] = [];
  info(obj: object, msg: string): void {
    this.push('info', obj, msg);
  }
  warn(obj: object, msg: string): void {
    this.push('warn', obj, msg);
  }
  error(obj: object, msg: string): void {
    this.push('error', obj, msg);
  }
  private push(level: string, obj: object, msg: string): void {
    this.lines.push(`${level} ${msg} ${textOf(obj)}`);
  }
}

/** Anything as text, Buffers as their latin1 bytes (so plaintext inside one shows), errors with stack and cause. */
export function textOf(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Error) return { name: v.name, message: v.message, stack: v.stack, code: (v as { code?: unknown }).code, cause: v.cause === undefined ? undefined : textOf(v.cause) };
      if (typeof v === 'object' && v !== null) {
        const b = v as { type?: unknown; data?: unknown };
        if (b.type === 'Buffer' && Array.isArray(b.data)) return Buffer.from(b.data as number[]).toString('latin1');
        if (seen.has(v)) return '[circular]';
        seen.add(v);
      }
      return v;
    }) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A legacy value as the old system made it: AES-256-CBC, scrypt(secret, salt, 32) N=16384 r=8 p=1, hex salt:iv:ct. */
export function legacyValue(plaintext: string, secret = LEGACY_SECRET): string {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = scryptSync(secret, salt, 32, { N: 16384, r: 8, p: 1 });
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${salt.toString('hex')}:${iv.toString('hex')}:${ciphertext.toString('hex')}`;
}

/** A fresh Anthropic-style API key (unique: a canary wherever it shows up). */
export function anthropicKey(): string {
  return `sk-ant-api03-${randomBytes(24).toString('base64url')}${randomBytes(3).toString('hex')}`;
}

/** The mask the processor must compute for an `sk-ant-` key: prefix, ellipsis, last four. */
export const antMask = (key: string) => `sk-ant-…${key.slice(-4)}`;

export interface StoredEventWithHash {
  readonly event: LogicalEvent;
  readonly hash: string;
}

export interface OpenerOptions {
  readonly kek?: Kek;
  readonly legacySecret?: string;
  /** The client the re-seal publisher sends with (default: the flow's). */
  readonly client?: PalisadeClient;
  /** Replaces the read path (a stale copy, a backup): default readSecret on the opener role. */
  readonly read?: OpenerDeps['read'];
  /** Called with each re-seal's outcome. */
  readonly onReseal?: (result: CommandResult) => void;
}

export class VaultFlow {
  readonly rm: ReadModelSpine;
  readonly log: RecordingLog;
  readonly client: PalisadeClient;
  private static readonly resealers = new WeakMap<ReadModelSpine, Awaited<ReturnType<typeof newIdentity>>>();

  /** Another client signing with the service key re-seals go through (for racing openers). */
  async serviceClient(): Promise<PalisadeClient> {
    return this.rm.spine.client(VaultFlow.resealers.get(this.rm)!);
  }

  /** Signs with a service key (service actors, service commands only): what re-seals go through. */
  readonly resealClient: PalisadeClient;
  /** The key store on the spine's database under the spine's master key (no cache: destroys show at once). */
  readonly store: KeyStore;
  readonly intakePublicKey: Buffer;
  /** Sessions act as the `<prefix>_opener` role: the opener's real read path. */
  readonly reader: pg.Pool;
  /** Every CommandResult this harness received (send, reseal). */
  readonly results: CommandResult[] = [];
  /** Every error an opener threw through open(). */
  readonly errors: unknown[] = [];
  processor: CommandProcessor;
  private readonly pools: pg.Pool[] = [];

  private constructor(rm: ReadModelSpine, log: RecordingLog, processor: CommandProcessor, client: PalisadeClient, resealClient: PalisadeClient, store: KeyStore, storePool: pg.Pool, intake: Buffer, reader: pg.Pool) {
    this.rm = rm;
    this.log = log;
    this.processor = processor;
    this.client = client;
    this.resealClient = resealClient;
    this.store = store;
    this.intakePublicKey = intake;
    this.reader = reader;
    this.pools.push(storePool, reader);
  }

  /**
   * `history`: events already in the log before the processor starts (as an older release wrote
   * them: legacy values carried as-is). The processor is given the legacy secret for imports.
   */
  static async create(options: { partitions?: number; history?: readonly GeneratedEvent[] } = {}): Promise<VaultFlow> {
    const rm = await ReadModelSpine.create({ partitions: options.partitions ?? 3 });
    try {
      const log = new RecordingLog();
      if (options.history !== undefined) await produceOneByOne(rm, options.history);
      const processor = await rm.spine.startProcessor({ legacySecret: LEGACY_SECRET }, log);
      await rm.startProjector({}, log);
      const client = await rm.spine.client();
      // Legacy values are re-sealed by a service (the chat worker's grant), never a user key.
      const resealer = await newIdentity('resealer');
      await rm.spine.registerServiceKey(resealer);
      const resealClient = await rm.spine.client(resealer);
      VaultFlow.resealers.set(rm, resealer);
      const storePool = openPool({ connectionString: rm.url, max: 3 });
      const store = new KeyStore(storePool, rm.spine.masterKey, { cache: false });
      // The processor created the intake key at start; producers seal to its public half.
      const intake = await store.intakePublicKey();
      const reader = secretsReaderPool(rm.url, rm.roles, 3);
      return new VaultFlow(rm, log, processor, client, resealClient, store, storePool, intake, reader);
    } catch (error) {
      await rm.close().catch(() => undefined);
      throw error;
    }
  }

  get spine() {
    return this.rm.spine;
  }

  /** A KeyStore under another master key (a rotation's new KEK, or the old one after it). */
  keyStore(kek: Kek): KeyStore {
    const pool = openPool({ connectionString: this.rm.url, max: 2 });
    this.pools.push(pool);
    return new KeyStore(pool, kek, { cache: false });
  }

  async send(input: CommandInput, client: PalisadeClient = this.client): Promise<CommandResult> {
    const result = await client.send(input);
    this.results.push(result);
    return result;
  }

  /** Sends and expects acceptance; returns the result. */
  async accept(input: CommandInput): Promise<CommandResult> {
    const result = await this.send(input);
    expect(result, `${input.type} by ${input.actor.id}: ${result.code ?? ''} ${result.message ?? ''}`).toMatchObject({ outcome: 'accepted' });
    return result;
  }

  /** Sends and expects the rejection `code`; returns the result. */
  async reject(input: CommandInput, code: string): Promise<CommandResult> {
    const result = await this.send(input);
    expect(result, `${input.type} by ${input.actor.id}`).toMatchObject({ outcome: 'rejected', code, replayed: false });
    return result;
  }

  /** CreateTenant by `owner`, then AddMember for each `[userId, role]`. Emails are `<userId>@flow.example`. */
  async tenant(tenantId: string, owner: string, members: readonly (readonly [string, Role])[] = []): Promise<void> {
    await this.accept({ tenantId, type: 'CreateTenant', actor: userActor(owner), payload: { name: `Flow ${tenantId.slice(0, 8)}`, owner: { userId: owner, email: email(owner) } } });
    for (const [userId, role] of members)
      await this.accept({ tenantId, type: 'AddMember', actor: userActor(owner), payload: { userId, email: email(userId), role } });
  }

  /** The tenant's events as stored (read_committed), with their carried hashes. */
  async events(tenantId: string): Promise<StoredEventWithHash[]> {
    const out: StoredEventWithHash[] = [];
    await readTenantEvents(this.spine.kafka, this.spine.topics.events, tenantId, (stored) => {
      if (!stored.ok) throw new Error(`undecodable event at offset ${stored.offset}: ${stored.code}`);
      out.push({ event: stored.event, hash: stored.carriedHash });
    });
    return out;
  }

  /** The events one command appended. */
  async eventsOf(tenantId: string, commandId: string): Promise<LogicalEvent[]> {
    return (await this.events(tenantId)).map((e) => e.event).filter((e) => e.commandId === commandId);
  }

  /** The one event an accepted command appended, of type `type`. */
  async eventOf(result: CommandResult, type: string): Promise<LogicalEvent> {
    const events = await this.eventsOf(result.tenantId, result.commandId);
    expect(events.map((e) => e.type)).toEqual([type]);
    return events[0]!;
  }

  /** The signed command records of a tenant, as the processor read them. */
  async commands(tenantId: string): Promise<SignedCommand[]> {
    const out: SignedCommand[] = [];
    await readPartitionsToEnd(this.spine.kafka, {
      topic: this.spine.topics.commands,
      partitions: [partitionFor(tenantId, this.spine.partitions)],
      onRecords: (_p, records) => {
        for (const r of records) if (r.key?.toString('utf8') === tenantId && r.value) out.push(decodeCommand(r.value));
      },
    });
    return out;
  }

  /**
   * Resolves once every active generation of every model this projector runs stored the events
   * topic's current end on every partition (ReadModelSpine.waitForProjection, restricted to the
   * projector's own models: a migration may already define models no projector here runs).
   */
  async waitForProjection(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const ends = await endOffsets(this.spine.kafka, this.spine.topics.events);
    for (;;) {
      const { rows } = await this.rm.admin.query<{ model: string; partition: number; next_offset: string }>(
        `select g.model, o.partition, o.next_offset from projection_meta.generations g
         join projection_meta.offsets o on o.model = g.model and o.generation = g.generation and o.topic = $1
         where g.state = 'active' and g.model = any($2::text[])`,
        [this.spine.topics.events, [...READ_MODEL_NAMES]],
      );
      const behind = READ_MODEL_NAMES.flatMap((model) =>
        [...ends].filter(([partition, { high }]) => BigInt(rows.find((r) => r.model === model && r.partition === partition)?.next_offset ?? '0') < BigInt(high))
          .map(([partition]) => `${model}/${partition}`));
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`projection did not catch up within ${timeoutMs} ms: ${behind.join(', ')} behind`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Superuser query on the spine's database (inspection and fixtures only). */
  async q(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
    return (await this.rm.admin.query(sql, values)).rows;
  }

  /**
   * A SecretOpener as a service wires it: the key store's DEKs, the opener role's read path,
   * open counts in the key store, and legacy values re-sealed through the processor.
   */
  opener(options: OpenerOptions = {}): SecretOpener {
    const kek = options.kek ?? this.spine.masterKey;
    const store = kek === this.spine.masterKey ? this.store : this.keyStore(kek);
    const client = options.client ?? this.resealClient;
    const deps: OpenerDeps = {
      kek,
      read: options.read ?? (async (ref) => readSecret(this.reader, keyOf(ref))),
      findDek: (tenantId, kid, kv) => store.find(tenantId, kid, kv),
      countOpen: async (tenantId, kid, kv) => {
        await store.countOpen(tenantId, kid, kv);
      },
      reseal: async (ref, version, commandId, plaintext) => {
        const secret = sealSecret(plaintext, this.intakePublicKey, bindingOf(ref));
        const payload: ResealLegacySecretData = ref.target === 'provider-key'
          ? { target: ref.target, userId: ref.userId, provider: ref.provider, version, secret }
          : { target: ref.target, userId: ref.userId, sourceId: ref.sourceId, version, secret };
        const result = await this.send({ tenantId: ref.tenantId, type: 'ResealLegacySecret', actor: { ...RESEALER }, payload, commandId }, client);
        options.onReseal?.(result);
        // Another opener got there first: the value is re-sealed all the same.
        if (result.outcome === 'rejected' && result.code !== 'LEGACY_ALREADY_RESEALED') throw new Error(`re-seal refused: ${result.code}`);
      },
      ...(options.legacySecret === undefined ? {} : { legacySecret: options.legacySecret }),
    };
    return new SecretOpener(deps);
  }

  /** Opens `ref` for one use and returns the plaintext (copied out as text for the test). */
  async open(opener: SecretOpener, ref: SecretRef): Promise<string> {
    try {
      return await opener.use(ref, async (plaintext) => Buffer.from(plaintext).toString('utf8'));
    } catch (error) {
      this.errors.push(error);
      throw error;
    }
  }

  /** The OpenerError code of opening `ref` (fails the test if it opens). */
  async openFails(opener: SecretOpener, ref: SecretRef): Promise<OpenerError> {
    try {
      await this.open(opener, ref);
    } catch (error) {
      if (error instanceof OpenerError) return error;
      throw error;
    }
    throw new Error(`expected ${ref.target} of ${ref.userId} in ${ref.tenantId} not to open`);
  }

  /** Open counts per `kid#kv` of the tenant, from the key store. */
  async opens(tenantId: string): Promise<Record<string, number>> {
    return Object.fromEntries((await this.store.openCounts(tenantId)).map((c) => [`${c.kid}#${c.kv}`, c.opens]));
  }

  /** Waits (polling, bounded) until `check` holds: the crypto-shredder runs after the commit the result reports. */
  async until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Rows of vault.deks of a tenant (and a user), `kid#kv`. */
  async deks(tenantId: string, userId?: string): Promise<string[]> {
    const rows = await this.q(
      `select kid || '#' || kv as k from vault.deks where tenant_id = $1 and ($2::text is null or user_id = $2) order by kid, kv`, [tenantId, userId ?? null]);
    return rows.map((r) => String(r['k']));
  }

  async close(): Promise<void> {
    for (const pool of this.pools.splice(0)) await pool.end().catch(() => undefined);
    await this.rm.close();
  }
}

export const email = (userId: string) => `${userId}@flow.example`;

/** What readSecret needs for the opener's reference. */
export function keyOf(ref: SecretRef): { tenantId: string; ownerId: string; purpose: 'provider-key' | 'source-credential'; subject: string } {
  return ref.target === 'provider-key'
    ? { tenantId: ref.tenantId, ownerId: ref.userId, purpose: 'provider-key', subject: ref.provider }
    : { tenantId: ref.tenantId, ownerId: ref.userId, purpose: 'source-credential', subject: ref.sourceId };
}

export const keyRef = (tenantId: string, userId: string, provider: Provider): SecretRef => ({ tenantId, userId, target: 'provider-key', provider });
export const sourceRef = (tenantId: string, userId: string, sourceId: string): SecretRef => ({ tenantId, userId, target: 'source-credential', sourceId });

/** A unique principal id with a readable label. */
export const uid = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;
export const newTenant = () => randomUUID();
