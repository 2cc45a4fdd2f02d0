// A world for the chat read models (conversations + chat_messages, memories, chat_content):
// tenants Acme (A) and Globex (B) with members and chat histories — conversations with replies,
// a failure and a pending message, a conversation deleted, memories stored and one forgotten —
// and a third tenant Initech deleted. Synthetic but valid events (hash-chained per tenant,
// Avro-encoded, keyed and partitioned like the processor's), produced one record at a time
// straight to the events topic, as in vault-world.ts. eraseInA() then has tenant A erase alice
// (after her last message and memory, in the same batch) while bob goes on.
// Every user id of Globex and Initech carries a marker ("gx-", "in-"), and every nonce and
// ciphertext is listed in `secretStrings`, so a leak shows up in JSON.stringify of a result.
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { produceEvents, type GeneratedEvent } from '../../../bench/_synthetic-events.ts';
import { partitionFor } from '../../../kafka/partitioner.ts';
import { IdempotentProducer } from '../../../kafka/simple-producer.ts';
import { encodeEvent } from '../../../schemas/codec.ts';
import { grantAnalyst, type GrantedAnalyst } from '../../../projections/tenancy/analysts.ts';
import { quoteIdent } from '../../../projections/tenancy/roles.ts';
import { randomPassword, scramSha256Verifier } from '../../../projections/tenancy/scram.ts';
import { openerRole } from '../../../projections/models/secrets-reader.ts';
import type { JsonObject } from '../../../schemas/logical.ts';
import { ReadModelSpine } from './read-models.ts';
import { TenantStream, user, type VaultPrincipal } from './vault-world.ts';

export type ChatPrincipal = VaultPrincipal;

export interface ChatTenant {
  readonly id: string;
  readonly p: string;
  readonly name: string;
  readonly domain: string;
  readonly users: { readonly owner: string; readonly admin: string; readonly alice: string; readonly bob: string; readonly erin: string };
  /** a1: alice's (replies, a failure); a2: alice's, deleted; b1: bob's; o1: the owner's (one message awaiting its reply). */
  readonly conversations: { readonly a1: string; readonly a2: string; readonly b1: string; readonly o1: string };
  /** m1…m3 in a1, m4 in a2, m5 in b1, m6 in o1; m7 (alice's last) and m8 (bob's, after the erasure) in eraseInA(). */
  readonly messages: Readonly<Record<'m1' | 'm2' | 'm3' | 'm4' | 'm5' | 'm6' | 'm7' | 'm8', string>>;
  /** a1 alice's; a2 alice's, forgotten; b1 bob's; o1 the owner's; a3 alice's last and b2 bob's (eraseInA). */
  readonly memories: Readonly<Record<'a1' | 'a2' | 'b1' | 'o1' | 'a3' | 'b2', string>>;
}

function facts(p: string, name: string, domain: string): ChatTenant {
  const ids = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, randomUUID()])) as Record<K, string>;
  return {
    id: randomUUID(), p, name, domain,
    users: { owner: `${p}owner`, admin: `${p}admin`, alice: `${p}alice`, bob: `${p}bob`, erin: `${p}erin` },
    conversations: ids(['a1', 'a2', 'b1', 'o1'] as const),
    messages: ids(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'] as const),
    memories: ids(['a1', 'a2', 'b1', 'o1', 'a3', 'b2'] as const),
  };
}

const CLAUDE = 'claude-sonnet-4-5';

/** Builds sealed values for one tenant; every nonce and ciphertext goes into `secrets`. */
function sealer(t: ChatTenant, secrets: string[]): (userId: string, label: string) => JsonObject {
  const tag = t.p.replace(/-$/, '');
  return (userId, label) => {
    const n = `${tag}N-${label}`.padEnd(32, 'n');
    const ct = `${tag}Ct-${label}-plaintext-would-be-here`.padEnd(48, 'c');
    secrets.push(n, ct);
    return { v: 2, kid: `dek-u-${userId}`, kv: 1, n, ct };
  };
}

function tenantHistory(stream: TenantStream, t: ChatTenant, secrets: string[]): void {
  const { owner, admin, alice, bob, erin } = t.users;
  const { a1, a2, b1, o1 } = t.conversations;
  const m = t.messages;
  const sealed = sealer(t, secrets);
  const add = (userId: string, role: string) => stream.add('MemberAdded', { userId, email: `${userId}@${t.domain}`, role }, user(owner));
  const turn = (who: string, conversationId: string, messageId: string, bytes: number) =>
    stream.add('ChatTurnRequested', { conversationId, messageId, userId: who, bytes, content: sealed(who, `msg-${messageId.slice(0, 8)}`) }, user(who));
  const reply = (who: string, conversationId: string, replyTo: string, bytes: number, model: string, inputTokens: number, outputTokens: number, stopReason?: string) =>
    stream.add('AssistantReplied', {
      conversationId, userId: who, replyTo, bytes, content: sealed(who, `reply-${replyTo.slice(0, 8)}`), model, inputTokens, outputTokens,
      ...(stopReason === undefined ? {} : { stopReason }),
    }, { kind: 'service', id: 'chat-worker' });
  stream.add('TenantCreated', { name: t.name, owner: { userId: owner, email: `${owner}@${t.domain}` } }, user(owner));
  add(admin, 'admin');
  add(alice, 'member');
  add(bob, 'member');
  add(erin, 'viewer');
  stream.add('ConversationStarted', { conversationId: a1, userId: alice, model: CLAUDE }, user(alice));
  turn(alice, a1, m.m1, 120);
  reply(alice, a1, m.m1, 900, CLAUDE, 30, 250, 'end_turn');
  turn(alice, a1, m.m2, 64);
  stream.add('ChatTurnFailed', { conversationId: a1, userId: alice, replyTo: m.m2, reason: 'RATE_LIMITED' }, { kind: 'service', id: 'chat-worker' });
  turn(alice, a1, m.m3, 10);
  reply(alice, a1, m.m3, 20, CLAUDE, 5, 7, 'max_tokens');
  stream.add('ConversationStarted', { conversationId: a2, userId: alice }, user(alice));
  turn(alice, a2, m.m4, 33);
  reply(alice, a2, m.m4, 44, 'gpt-4o', 3, 4);
  stream.add('ConversationDeleted', { conversationId: a2, userId: alice }, user(alice));
  stream.add('ConversationStarted', { conversationId: b1, userId: bob, model: 'gpt-4o' }, user(bob));
  turn(bob, b1, m.m5, 50);
  reply(bob, b1, m.m5, 60, 'gpt-4o', 6, 8, 'stop');
  stream.add('ConversationStarted', { conversationId: o1, userId: owner }, user(owner));
  turn(owner, o1, m.m6, 70);
  const memory = (who: string, memoryId: string, bytes: number) =>
    stream.add('MemoryStored', { memoryId, userId: who, bytes, content: sealed(who, `mem-${memoryId.slice(0, 8)}`) }, user(who));
  memory(alice, t.memories.a1, 100);
  memory(alice, t.memories.a2, 200);
  stream.add('MemoryForgotten', { memoryId: t.memories.a2, userId: alice }, user(alice));
  memory(bob, t.memories.b1, 300);
  memory(owner, t.memories.o1, 400);
}

async function produceOneByOne(rm: ReadModelSpine, events: readonly GeneratedEvent[]): Promise<void> {
  const producer = await IdempotentProducer.open(rm.spine.kafka);
  try {
    for (const { event, hash } of events)
      await producer.send([{ topic: rm.topic, partition: partitionFor(event.tenantId, rm.spine.partitions), key: event.tenantId, value: encodeEvent(event, hash) }]);
  } finally {
    await producer.close();
  }
}

export class ChatWorld {
  readonly rm: ReadModelSpine;
  readonly a: ChatTenant;
  readonly b: ChatTenant;
  /** Deleted: nothing of it may remain anywhere. */
  readonly c: ChatTenant;
  /** Every event produced, in production order. */
  readonly events: GeneratedEvent[];
  /** Every nonce and ciphertext in the events. */
  readonly secretStrings: string[];
  readonly analysts: Readonly<Record<'analystA' | 'auditorA' | 'analystB', GrantedAnalyst>> | undefined;
  readonly urls: Readonly<Partial<Record<ChatPrincipal, string>>>;
  private readonly streamA: TenantStream;
  private readonly open = new Set<pg.Client>();

  private constructor(rm: ReadModelSpine, tenants: { a: ChatTenant; b: ChatTenant; c: ChatTenant }, streamA: TenantStream, events: GeneratedEvent[],
    secretStrings: string[], analysts: ChatWorld['analysts'], urls: ChatWorld['urls']) {
    this.rm = rm;
    this.a = tenants.a;
    this.b = tenants.b;
    this.c = tenants.c;
    this.streamA = streamA;
    this.events = events;
    this.secretStrings = secretStrings;
    this.analysts = analysts;
    this.urls = urls;
  }

  static async create(options: { logins?: boolean } = {}): Promise<ChatWorld> {
    const rm = await ReadModelSpine.create({ partitions: 3 });
    try {
      const a = facts('ac-', 'Acme Corp', 'acme.example');
      const b = facts('gx-', 'Globex Secret Labs', 'globex-secret.example');
      const c = facts('in-', 'Initech', 'initech.example');
      const secrets: string[] = [];
      const streams = [a, b, c].map((t) => {
        const stream = new TenantStream(t.id);
        tenantHistory(stream, t, secrets);
        return stream;
      });
      streams[2]!.add('TenantDeleted', { reason: 'in-closing down' }, user(c.users.owner));
      const events: GeneratedEvent[] = [];
      for (let i = 0; streams.some((s) => i < s.events.length); i++) for (const s of streams) if (i < s.events.length) events.push(s.events[i]!);
      await produceOneByOne(rm, events);
      await rm.startProjector();
      await rm.waitForProjection();

      let analysts: ChatWorld['analysts'];
      const urls: Partial<Record<ChatPrincipal, string>> = { superuser: rm.url };
      if (options.logins === true) {
        const grant = (tenantId: string, name: string, audit: boolean) => grantAnalyst(rm.url, { tenantId, name, audit });
        analysts = { analystA: await grant(a.id, 'ann', false), auditorA: await grant(a.id, 'audra', true), analystB: await grant(b.id, 'ben', false) };
        const login = async (role: string) => {
          const password = randomPassword();
          await rm.admin.query(`alter role ${quoteIdent(role)} login password '${scramSha256Verifier(password)}'`);
          const url = new URL(rm.url);
          url.username = role;
          url.password = password;
          return url.toString();
        };
        Object.assign(urls, {
          analystA: analysts.analystA.connectionString, auditorA: analysts.auditorA.connectionString, analystB: analysts.analystB.connectionString,
          app: await login(rm.roles.app), projector: await login(rm.roles.projector), opener: await login(openerRole(rm.roles)),
        });
      }
      return new ChatWorld(rm, { a, b, c }, streams[0]!, events, secrets, analysts, urls);
    } catch (error) {
      await rm.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Tenant A: alice sends a last message and stores a last memory, is erased (same batch), and
   * bob goes on (a message, its reply, a memory). Waits until projected; returns the UserErased event.
   */
  async eraseInA(): Promise<GeneratedEvent> {
    const s = this.streamA;
    const { alice, bob, owner } = this.a.users;
    const { a1, b1 } = this.a.conversations;
    const sealed = sealer(this.a, this.secretStrings);
    const first = s.events.length;
    s.add('ChatTurnRequested', { conversationId: a1, messageId: this.a.messages.m7, userId: alice, bytes: 5, content: sealed(alice, 'last-msg') }, user(alice));
    s.add('MemoryStored', { memoryId: this.a.memories.a3, userId: alice, bytes: 6, content: sealed(alice, 'last-mem') }, user(alice));
    const erasure = s.add('UserErased', { userId: alice }, user(owner));
    s.add('ChatTurnRequested', { conversationId: b1, messageId: this.a.messages.m8, userId: bob, bytes: 7, content: sealed(bob, 'after-msg') }, user(bob));
    s.add('AssistantReplied', {
      conversationId: b1, userId: bob, replyTo: this.a.messages.m8, bytes: 8, content: sealed(bob, 'after-reply'), model: 'gpt-4o', inputTokens: 9, outputTokens: 10,
    }, { kind: 'service', id: 'chat-worker' });
    s.add('MemoryStored', { memoryId: this.a.memories.b2, userId: bob, bytes: 11, content: sealed(bob, 'after-mem') }, user(bob));
    const added = s.events.slice(first);
    this.events.push(...added);
    // One record batch: the live projector applies alice's last acts and her erasure in one batch.
    await produceEvents(this.rm.spine.kafka, this.rm.topic, this.rm.spine.partitions, added);
    await this.rm.waitForProjection();
    return erasure;
  }

  async as<T>(who: ChatPrincipal, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const url = this.urls[who];
    if (url === undefined) throw new Error(`no login for ${who} (create the world with logins: true)`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    client.on('error', () => undefined);
    await client.connect();
    this.open.add(client);
    try {
      return await fn(client);
    } finally {
      this.open.delete(client);
      await client.end().catch(() => undefined);
    }
  }

  rows(who: ChatPrincipal, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
    return this.as(who, async (c) => (await c.query(sql, values)).rows);
  }

  async error(who: ChatPrincipal, sql: string, values: unknown[] = []): Promise<pg.DatabaseError> {
    return this.as(who, async (c) => {
      try {
        await c.query(sql, values);
      } catch (error) {
        return error as pg.DatabaseError;
      }
      throw new Error(`expected "${sql}" to fail as ${who}, but it succeeded`);
    });
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

  /** Every id of tenant `t` (conversations, messages, memories). */
  idsOf(t: ChatTenant): string[] {
    return [t.id, ...Object.values(t.conversations), ...Object.values(t.messages), ...Object.values(t.memories)];
  }

  /** Nothing of Globex or Initech in `value`, and no nonce or ciphertext at all. */
  expectNoForeign(value: unknown, options: { secrets?: boolean } = {}): void {
    const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const lower = text.toLowerCase();
    for (const marker of ['globex', 'gx-', 'initech', 'in-', ...this.idsOf(this.b), ...this.idsOf(this.c)]) expect(lower, `leaked "${marker}"`).not.toContain(marker);
    if (options.secrets !== false) for (const secret of this.secretStrings) expect(text, 'leaked a ciphertext').not.toContain(secret);
  }

  async close(): Promise<void> {
    for (const client of this.open) await client.end().catch(() => undefined);
    await this.rm.close();
  }
}
