// Builders for processor unit tests: real Avro bytes, real signatures, a fixed clock.
import { randomUUID } from 'node:crypto';
import { generateSigningKeyPair } from '../../crypto/ed25519.ts';
import { commandSigningBytes } from '../../crypto/command-signing.ts';
import { sign } from '../../crypto/ed25519.ts';
import { encodeCommand } from '../../schemas/codec.ts';
import type { JsonObject, LogicalActor, LogicalCommand } from '../../domain/logical.ts';
import { partitionFor } from '../../adapters/kafka/partitioner.ts';
import type { InRecord } from '../../adapters/kafka/messages.ts';
import { StaticProducerKeys, type ProducerKey } from '../../consumers/command-processor/producer-keys.ts';
import { handleCommandRecord, type BatchOutputs, type CommandContext } from '../../consumers/command-processor/handle-command.ts';
import type { PartitionState } from '../../consumers/command-processor/partition-state.ts';
import { SERVICE_COMMAND_TYPES } from '../../domain/tenant/service-commands.ts';

export const PARTITIONS = 3;
export const NOW = new Date('2026-11-23T10:00:00.000Z');
export const gatewayPair = generateSigningKeyPair();
export const scopedPair = generateSigningKeyPair();
/** A service key: may claim service actors and send the service commands only. */
export const servicePair = generateSigningKeyPair();
const USER_ONLY: ReadonlySet<string> = new Set(['user']);

export function keysFor(extra: Partial<ProducerKey> = {}, scopedTenants: string[] = []): StaticProducerKeys {
  return new StaticProducerKeys([
    { keyId: 'gateway', publicKey: gatewayPair.publicKey, tenants: null, canCreateTenants: true, actorKinds: USER_ONLY, commandTypes: null, revoked: false, ...extra },
    { keyId: 'scoped', publicKey: scopedPair.publicKey, tenants: new Set(scopedTenants), canCreateTenants: false, actorKinds: USER_ONLY, commandTypes: null, revoked: false },
    { keyId: 'service', publicKey: servicePair.publicKey, tenants: null, canCreateTenants: false, actorKinds: new Set(['service']), commandTypes: new Set(SERVICE_COMMAND_TYPES), revoked: false },
  ]);
}

/** A tenant id whose murmur2 partition is `partition`. */
export function tenantOnPartition(partition: number): string {
  for (;;) {
    const id = randomUUID();
    if (partitionFor(id, PARTITIONS) === partition) return id;
  }
}

export function context(keys = keysFor(), partition = 0): CommandContext {
  let n = 0;
  return {
    partition, partitionCount: PARTITIONS, keys, now: () => NOW,
    newEventId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    maxCommandBytes: 64 * 1024, maxCommandAgeMs: 6 * 24 * 3600_000, maxClockSkewMs: 300_000,
  };
}

export interface CommandSpec {
  tenantId: string;
  type: string;
  actor?: LogicalActor;
  payload: JsonObject;
  commandId?: string;
  keyId?: string;
  secretKey?: Buffer | null;
  issuedAt?: string;
}

export function commandBytes(spec: CommandSpec): { bytes: Buffer; commandId: string } {
  const logical: LogicalCommand = {
    commandId: spec.commandId ?? randomUUID(), tenantId: spec.tenantId, type: spec.type, schemaVersion: 1,
    issuedAt: spec.issuedAt ?? NOW.toISOString(), actor: spec.actor ?? { kind: 'user', id: 'alice' },
    producerKeyId: spec.keyId ?? 'gateway', payload: spec.payload,
  };
  const secretKey = spec.secretKey === undefined ? gatewayPair.secretKey : spec.secretKey;
  const signature = secretKey ? sign(commandSigningBytes(logical), secretKey) : null;
  return { bytes: encodeCommand({ ...logical, signature }), commandId: logical.commandId };
}

let offset = 0;
export function record(value: Buffer | null, key: string | null, partition = 0): InRecord {
  return { topic: 'palisade.commands', partition, offset: String(offset++), key: key === null ? null : Buffer.from(key), value, timestamp: String(NOW.getTime()) };
}

export function commandRecord(spec: CommandSpec, partition = 0): { record: InRecord; commandId: string } {
  const { bytes, commandId } = commandBytes(spec);
  return { record: record(bytes, spec.tenantId, partition), commandId };
}

export const create = (tenantId: string, owner = 'alice'): CommandSpec => ({
  tenantId, type: 'CreateTenant', actor: { kind: 'user', id: owner }, payload: { name: 'Acme', owner: { userId: owner, email: `${owner}@acme.example` } },
});
export const addMember = (tenantId: string, actor: string, userId: string, role = 'member'): CommandSpec => ({
  tenantId, type: 'AddMember', actor: { kind: 'user', id: actor }, payload: { userId, email: `${userId}@acme.example`, role },
});

/** One batch through handleCommandRecord, merged into `state` as after a committed transaction. */
export async function runBatch(state: PartitionState, records: readonly InRecord[], ctx = context()): Promise<BatchOutputs> {
  const view = state.begin();
  const out: BatchOutputs = { events: [], results: [], deadLetters: [] };
  for (const r of records) await handleCommandRecord(r, view, ctx, out);
  view.mergeIntoBase();
  return out;
}
