// Synthetic but valid tenant streams, straight to an events topic: hash-chained per tenant
// (domain/chain/event-hash.ts), Avro-encoded with the project codec, keyed and partitioned like the
// processor's output. Much faster than going through signed commands, for the projection
// benchmark and for projector tests that need many events. Deterministic for a given seed.
import { createHash } from 'node:crypto';
import type { createKafka } from '../../adapters/kafka/client.ts';
import { GENESIS_HASH, eventHash } from '../../domain/chain/event-hash.ts';
import { partitionFor } from '../../adapters/kafka/partitioner.ts';
import { IdempotentProducer } from '../../adapters/kafka/simple-producer.ts';
import type { OutRecord } from '../../adapters/kafka/messages.ts';
import { encodeEvent } from '../../schemas/codec.ts';
import type { JsonObject, LogicalEvent } from '../../domain/logical.ts';

/** adapters/kafka/ owns the client library; only its type is needed here. */
type Kafka = ReturnType<typeof createKafka>;

const ROLES = ['admin', 'member', 'viewer'] as const;

/** A uuid derived from text, so runs with the same seed produce the same ids. */
function uuidOf(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface TenantStream {
  readonly id: string;
  seq: number;
  prevHash: string;
  nextUser: number;
  /** Active non-owner members and their role. */
  readonly members: Map<string, string>;
  deleted: boolean;
}

export interface SyntheticOptions {
  readonly tenants: number;
  readonly events: number;
  readonly seed?: string;
  /** Also delete this many tenants (TenantDeleted as their last event). */
  readonly deleteTenants?: number;
}

export interface GeneratedEvent {
  readonly event: LogicalEvent;
  readonly hash: string;
}

/** Yields events round-robin over the tenants, each a valid next step of its tenant's stream. */
export function* syntheticEvents(options: SyntheticOptions): Generator<GeneratedEvent> {
  const seed = options.seed ?? 'palisade';
  const streams: TenantStream[] = Array.from({ length: options.tenants }, (_, i) => ({
    id: uuidOf(`${seed}/tenant/${i}`), seq: 0, prevHash: GENESIS_HASH, nextUser: 0, members: new Map(), deleted: false,
  }));
  const toDelete = new Set(streams.slice(0, options.deleteTenants ?? 0).map((s) => s.id));
  const lastRound = Math.ceil(options.events / options.tenants) - 1;
  const start = Date.UTC(2026, 0, 1);
  for (let n = 0; n < options.events; n++) {
    const stream = streams[n % options.tenants]!;
    if (stream.deleted) continue;
    const round = Math.floor(n / options.tenants);
    const next = (type: string, payload: JsonObject, actor = 'owner'): GeneratedEvent => {
      stream.seq += 1;
      const event: LogicalEvent = {
        tenantId: stream.id, seq: stream.seq, prevHash: stream.prevHash, eventId: uuidOf(`${seed}/${stream.id}/${stream.seq}/event`),
        type, schemaVersion: 1, occurredAt: new Date(start + n * 7).toISOString(),
        actor: type === 'CommandRejected' ? { kind: 'system', id: 'command-processor' } : { kind: 'user', id: actor },
        commandId: uuidOf(`${seed}/${stream.id}/${stream.seq}/command`), payload,
      };
      const hash = eventHash(event);
      stream.prevHash = hash;
      return { event, hash };
    };
    if (stream.seq === 0) {
      yield next('TenantCreated', { name: `Tenant ${stream.id.slice(0, 8)}`, owner: { userId: 'owner', email: `owner@${stream.id.slice(0, 8)}.example` } });
      continue;
    }
    if (round === lastRound && toDelete.has(stream.id)) {
      stream.deleted = true;
      yield next('TenantDeleted', { reason: 'synthetic' });
      continue;
    }
    const pick = (n * 2654435761) % 100;
    const existing = [...stream.members.keys()];
    if (pick < 12 && existing.length > 0) {
      const userId = existing[(n >>> 3) % existing.length]!;
      const from = stream.members.get(userId)!;
      const to = ROLES[(ROLES.indexOf(from as (typeof ROLES)[number]) + 1) % ROLES.length]!;
      stream.members.set(userId, to);
      yield next('MemberRoleChanged', { userId, from, to });
    } else if (pick < 17 && existing.length > 0) {
      const userId = existing[(n >>> 5) % existing.length]!;
      stream.members.delete(userId);
      yield next('MemberRemoved', { userId });
    } else if (pick < 27) {
      yield next('CommandRejected', { commandType: 'AddMember', code: 'FORBIDDEN', claimedActor: { kind: 'user', id: `u${n % 97}` } });
    } else {
      const userId = `u${stream.nextUser++}`;
      const role = ROLES[n % ROLES.length]!;
      stream.members.set(userId, role);
      yield next('MemberAdded', { userId, email: `${userId}@${stream.id.slice(0, 8)}.example`, role });
    }
  }
}

/** Encodes and produces `events` to `topic` (partitioned by tenant), in batches. Returns the count. */
export async function produceEvents(kafka: Kafka, topic: string, partitions: number, events: Iterable<GeneratedEvent>, onProgress?: (n: number) => void): Promise<number> {
  const producer = await IdempotentProducer.open(kafka);
  let count = 0;
  let batch: OutRecord[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send(batch);
    count += batch.length;
    batch = [];
    onProgress?.(count);
  };
  try {
    for (const { event, hash } of events) {
      batch.push({ topic, partition: partitionFor(event.tenantId, partitions), key: event.tenantId, value: encodeEvent(event, hash) });
      if (batch.length >= 5_000) await flush();
    }
    await flush();
  } finally {
    await producer.close();
  }
  return count;
}
