// What the vault and chat worlds share: three tenants — Acme (A) and Globex (B) with histories,
// Initech (C) deleted — as synthetic but valid events (hash-chained per tenant, Avro-encoded,
// keyed and partitioned like the processor's: test/bench/_synthetic-events.ts), produced one record at
// a time straight to the events topic and projected; optional logins for analysts and the app,
// projector and opener roles; and the helpers the suites query through. Every string of Globex
// and Initech carries a marker ("globex", "gx-", "initech", "in-") and every sealed part is listed
// in `secretStrings`, so a leak shows up in JSON.stringify of whatever a query returned.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { expect } from 'vitest';
import { GENESIS_HASH, eventHash } from '../../../domain/chain/event-hash.ts';
import { produceEvents, type GeneratedEvent } from '../../bench/_synthetic-events.ts';
import { partitionFor } from '../../../adapters/kafka/partitioner.ts';
import { IdempotentProducer } from '../../../adapters/kafka/simple-producer.ts';
import { encodeEvent } from '../../../schemas/codec.ts';
import { grantAnalyst, type GrantedAnalyst } from '../../../projections/tenancy/analysts.ts';
import { quoteIdent } from '../../../adapters/postgres/roles.ts';
import { openerRole } from '../../../consumers/vault/secrets-reader.ts';
import type { JsonObject, LogicalActor, LogicalEvent } from '../../../domain/logical.ts';
import type { ProjectedEvent } from '../../../projections/models/model.ts';
import { ReadModelSpine } from './read-models.ts';
import { RoleSessions, loginUrl } from './role-sessions.ts';

export type Principal = 'analystA' | 'auditorA' | 'analystB' | 'app' | 'projector' | 'opener' | 'superuser';

export const user = (id: string): LogicalActor => ({ kind: 'user', id });

/** Hash-chained events of one tenant. */
export class TenantStream {
  readonly tenantId: string;
  readonly events: GeneratedEvent[] = [];
  private seq = 0;
  private prevHash = GENESIS_HASH;
  private readonly start: number;

  constructor(tenantId: string, start = Date.UTC(2026, 1, 1)) {
    this.tenantId = tenantId;
    this.start = start;
  }

  add(type: string, payload: JsonObject, actor: LogicalActor): GeneratedEvent {
    this.seq += 1;
    const event: LogicalEvent = {
      tenantId: this.tenantId, seq: this.seq, prevHash: this.prevHash, eventId: randomUUID(), type, schemaVersion: 1,
      occurredAt: new Date(this.start + this.seq * 1_000).toISOString(), actor, commandId: randomUUID(), payload,
    };
    const generated = { event, hash: eventHash(event) };
    this.prevHash = generated.hash;
    this.events.push(generated);
    return generated;
  }
}

/** The facts every world tenant has; each world adds its own ids. */
export interface WorldTenant {
  readonly id: string;
  /** The marker every user id and name of this tenant starts with ("ac-", "gx-", "in-"). */
  readonly p: string;
  readonly name: string;
  readonly domain: string;
  readonly users: { readonly owner: string };
}

export interface WorldOptions {
  /** Grant analysts and give the app, projector and opener roles logins. */
  readonly logins?: boolean;
}

export interface WorldRecipe<T extends WorldTenant> {
  readonly facts: (p: string, name: string, domain: string) => T;
  /** Appends one tenant's history to `stream`; every sealed part goes into `secrets`. */
  readonly history: (stream: TenantStream, t: T, secrets: string[]) => void;
}

export type Analysts = Readonly<Record<'analystA' | 'auditorA' | 'analystB', GrantedAnalyst>>;

interface Parts<T> {
  readonly rm: ReadModelSpine;
  readonly tenants: { readonly a: T; readonly b: T; readonly c: T };
  readonly streamA: TenantStream;
  readonly events: GeneratedEvent[];
  readonly secretStrings: string[];
  readonly analysts: Analysts | undefined;
  readonly urls: Readonly<Partial<Record<Principal, string>>>;
}

/** Builds the three tenants' histories, produces and projects them, and makes the logins. */
export async function buildWorld<T extends WorldTenant>(recipe: WorldRecipe<T>, options: WorldOptions): Promise<Parts<T>> {
  const rm = await ReadModelSpine.create({ partitions: 3 });
  try {
    const a = recipe.facts('ac-', 'Acme Corp', 'acme.example');
    const b = recipe.facts('gx-', 'Globex Secret Labs', 'globex-secret.example');
    const c = recipe.facts('in-', 'Initech', 'initech.example');
    const secretStrings: string[] = [];
    const streams = [a, b, c].map((t) => {
      const stream = new TenantStream(t.id);
      recipe.history(stream, t, secretStrings);
      return stream;
    });
    streams[2]!.add('TenantDeleted', { reason: 'in-closing down' }, user(c.users.owner));
    // Interleaved across tenants, as a real topic would hold them.
    const events: GeneratedEvent[] = [];
    for (let i = 0; streams.some((s) => i < s.events.length); i++) for (const s of streams) if (i < s.events.length) events.push(s.events[i]!);
    await produceOneByOne(rm, events);
    await rm.startProjector();
    await rm.waitForProjection();
    const { analysts, urls } = options.logins === true ? await makeLogins(rm, a.id, b.id) : { analysts: undefined, urls: { superuser: rm.url } };
    return { rm, tenants: { a, b, c }, streamA: streams[0]!, events, secretStrings, analysts, urls };
  } catch (error) {
    await rm.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Produces `events` one record (one record batch) at a time, so a consumer with a small
 * maxBytesPerPartition (a rebuild) cuts the stream into other batches than the live projector.
 */
export async function produceOneByOne(rm: ReadModelSpine, events: readonly GeneratedEvent[]): Promise<void> {
  const producer = await IdempotentProducer.open(rm.spine.kafka);
  try {
    for (const { event, hash } of events)
      await producer.send([{ topic: rm.topic, partition: partitionFor(event.tenantId, rm.spine.partitions), key: event.tenantId, value: encodeEvent(event, hash) }]);
  } finally {
    await producer.close();
  }
}

async function makeLogins(rm: ReadModelSpine, a: string, b: string): Promise<{ analysts: Analysts; urls: Partial<Record<Principal, string>> }> {
  const grant = (tenantId: string, name: string, audit: boolean) => grantAnalyst(rm.url, { tenantId, name, audit });
  const analysts = { analystA: await grant(a, 'ann', false), auditorA: await grant(a, 'audra', true), analystB: await grant(b, 'ben', false) };
  const login = (role: string) => loginUrl(rm, role);
  return {
    analysts,
    urls: {
      superuser: rm.url,
      analystA: analysts.analystA.connectionString, auditorA: analysts.auditorA.connectionString, analystB: analysts.analystB.connectionString,
      app: await login(rm.roles.app), projector: await login(rm.roles.projector), opener: await login(openerRole(rm.roles)),
    },
  };
}

/** Rows with dates as ISO strings, comparable with what a fold computes. */
export const plainRows = (rows: readonly Record<string, unknown>[]): Record<string, unknown>[] =>
  rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])));

/** Sorted by the JSON of the given columns (the same order for actual and expected rows). */
export const sortedBy = <R extends object>(rows: readonly R[], keys: readonly (keyof R)[]): R[] =>
  [...rows].sort((x, y) => {
    const [a, b] = [JSON.stringify(keys.map((k) => x[k])), JSON.stringify(keys.map((k) => y[k]))];
    return a < b ? -1 : a > b ? 1 : 0;
  });

/** The tables of `found` in which something was found. */
export const foundIn = (found: Record<string, number>): [string, number][] => Object.entries(found).filter(([, n]) => n > 0);

export abstract class TenantWorld<T extends WorldTenant> extends RoleSessions<Principal> {
  readonly a: T;
  readonly b: T;
  /** Deleted: nothing of it may remain anywhere. */
  readonly c: T;
  /** Every event produced, in production order. */
  readonly events: GeneratedEvent[];
  /** Every sealed part (nonce, ciphertext, legacy value) in the events. */
  readonly secretStrings: string[];
  readonly analysts: Analysts | undefined;
  protected readonly streamA: TenantStream;

  protected constructor(parts: Parts<T>) {
    super(parts.rm, parts.urls);
    this.a = parts.tenants.a;
    this.b = parts.tenants.b;
    this.c = parts.tenants.c;
    this.streamA = parts.streamA;
    this.events = parts.events;
    this.secretStrings = parts.secretStrings;
    this.analysts = parts.analysts;
  }

  /** Strings of B and C that must never show up in what A's principals see. */
  protected foreignMarkers(): string[] {
    return ['globex', 'gx-', this.b.id, 'initech', 'in-', this.c.id];
  }

  /**
   * Appends the events `append` adds to tenant A's stream, produces them as one record batch (so
   * the live projector applies them in one batch) and waits until they are projected.
   */
  protected async appendToA<R>(append: (s: TenantStream) => R): Promise<R> {
    const first = this.streamA.events.length;
    const result = append(this.streamA);
    const added = this.streamA.events.slice(first);
    this.events.push(...added);
    await produceEvents(this.rm.spine.kafka, this.rm.topic, this.rm.spine.partitions, added);
    await this.rm.waitForProjection();
    return result;
  }

  /** The events a projection applies: the deleted tenant's are erased. */
  keptEvents(): ProjectedEvent[] {
    return this.events.filter((e) => e.event.tenantId !== this.c.id).map((e, i) => ({ event: e.event, hash: e.hash, offset: BigInt(i) }));
  }

  /** `sql` as the superuser, rows made plain. */
  async query(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
    return plainRows((await this.rm.admin.query(sql, values)).rows);
  }

  /**
   * Every table of every read-model generation (rm_*), with how many of its rows mention `needle`
   * (case-insensitive); `tables` must be among them, so a renamed table cannot make this vacuous.
   */
  async mentions(needle: string, tables: readonly string[]): Promise<Record<string, number>> {
    const { rows: all } = await this.rm.admin.query<{ t: string }>(
      "select c.oid::regclass::text as t from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname like 'rm\\_%' and c.relkind = 'r' order by 1");
    for (const table of tables) expect(all.some((t) => t.t.endsWith(`.${table}`)), table).toBe(true);
    const found: Record<string, number> = {};
    for (const { t } of all) {
      const { rows } = await this.rm.admin.query<{ n: number }>(`select count(*)::int as n from ${t} x where strpos(lower(row_to_json(x)::text), lower($1)) > 0`, [needle]);
      found[t] = rows[0]!.n;
    }
    return found;
  }

  /** As the app login, in one transaction bound with tenancy.bind(tenant, user). */
  appRows(tenantId: string, userId: string | null, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
    return this.as('app', async (c) => {
      await c.query('begin');
      await c.query('select tenancy.bind($1, $2)', [tenantId, userId]);
      const { rows } = await c.query(sql, values);
      await c.query('commit');
      return rows;
    });
  }

  /** As the app login bound to (tenant, user): the error `sql` fails with. */
  async appError(tenantId: string, userId: string | null, sql: string): Promise<pg.DatabaseError | undefined> {
    return this.as('app', async (c) => {
      await c.query('begin');
      await c.query('select tenancy.bind($1, $2)', [tenantId, userId]);
      return c.query(sql).then(() => undefined, (e: pg.DatabaseError) => e);
    });
  }

  /** The active generation's schema of `model` (quoted). */
  async liveSchema(model: string): Promise<string> {
    const { rows } = await this.rm.admin.query<{ schema_name: string }>("select schema_name from projection_meta.generations where model = $1 and state = 'active'", [model]);
    return quoteIdent(rows[0]!.schema_name);
  }

  /** Nothing of Globex or Initech in `value`, and (unless told otherwise) no sealed part at all. */
  expectNoForeign(value: unknown, options: { secrets?: boolean } = {}): void {
    const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const lower = text.toLowerCase();
    for (const marker of this.foreignMarkers()) expect(lower, `leaked "${marker}"`).not.toContain(marker.toLowerCase());
    if (options.secrets !== false) for (const secret of this.secretStrings) expect(text, 'leaked a ciphertext').not.toContain(secret);
  }
}
