// Hostile and broken input on the real broker: every bad record gets its rejection code or goes
// to the dead-letter topic with a reason, the processor keeps running, and nothing already
// accepted is lost.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IdempotentProducer } from '../../adapters/kafka/simple-producer.ts';
import { endOffsets, readPartitionsToEnd } from '../../adapters/kafka/partition-reader.ts';
import { commandSigningBytes } from '../../crypto/command-signing.ts';
import { generateSigningKeyPair, sign } from '../../crypto/ed25519.ts';
import { decodeDeadLetter, encodeCommand } from '../../schemas/codec.ts';
import type { DeadLetter, LogicalCommand } from '../../domain/logical.ts';
import { verifyTenant } from '../../audit/verify-tenant.ts';
import type { PalisadeClient } from '../../producers/client.ts';
import { TestSpine, addMemberInput, createTenantInput } from '../support/spine.ts';

let spine: TestSpine;
let client: PalisadeClient;
let producer: IdempotentProducer;
const tenant = randomUUID();

beforeAll(async () => {
  spine = await TestSpine.create({ partitions: 2 });
  await spine.startProcessor();
  client = await spine.client();
  producer = await IdempotentProducer.open(spine.kafka);
  expect(await client.send(createTenantInput(tenant, 'alice'))).toMatchObject({ outcome: 'accepted' });
  expect(await client.send(addMemberInput(tenant, 'alice', 'bob'))).toMatchObject({ outcome: 'accepted' });
});
afterAll(async () => {
  await producer?.close();
  await spine?.close();
});

const raw = (value: Buffer, key: string = tenant) => producer.send([{ topic: spine.topics.commands, key, value }]);

function logical(overrides: Partial<LogicalCommand> = {}): LogicalCommand {
  return {
    commandId: randomUUID(), tenantId: tenant, type: 'AddMember', schemaVersion: 1, issuedAt: new Date().toISOString(),
    actor: { kind: 'user', id: 'alice' }, producerKeyId: spine.gateway.keyId,
    payload: { userId: `u-${randomUUID().slice(0, 8)}`, email: 'x@acme.example', role: 'member' }, ...overrides,
  };
}
const signed = (c: LogicalCommand, secretKey = spine.gateway.secretKey) => encodeCommand({ ...c, signature: sign(commandSigningBytes(c), secretKey) });

async function deadLetters(): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  const partitions = [...(await endOffsets(spine.kafka, spine.topics.deadLetter)).keys()];
  await readPartitionsToEnd(spine.kafka, { topic: spine.topics.deadLetter, partitions, onRecords: (_p, rs) => { for (const r of rs) out.push(decodeDeadLetter(r.value!)); } });
  return out;
}

async function waitForDeadLetter(match: (d: DeadLetter) => boolean): Promise<DeadLetter> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const found = (await deadLetters()).find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error('no matching dead letter within 30 s');
}

it('dead-letters garbage bytes with the original bytes and a reason', async () => {
  const garbage = Buffer.from(`garbage ${randomUUID()}`);
  await raw(garbage);
  const dl = await waitForDeadLetter((d) => d.originalValue?.equals(garbage) ?? false);
  expect(dl).toMatchObject({ code: 'UNDECODABLE', sourceTopic: spine.topics.commands });
  expect(dl.reason).toMatch(/NOT_SINGLE_OBJECT/);
});

it('dead-letters truncated Avro', async () => {
  const truncated = signed(logical()).subarray(0, 40);
  await raw(truncated);
  expect((await waitForDeadLetter((d) => d.originalValue?.equals(truncated) ?? false)).reason).toMatch(/MALFORMED/);
});

it('dead-letters a record written with an unknown schema (e.g. a payload schema missing a field)', async () => {
  const good = signed(logical());
  const unknown = Buffer.from(good);
  unknown.writeUInt32LE(0xdeadbeef, 2); // the envelope's writer fingerprint no longer names a known schema
  await raw(unknown);
  expect((await waitForDeadLetter((d) => d.originalValue?.equals(unknown) ?? false)).reason).toMatch(/UNKNOWN_SCHEMA/);
});

it('dead-letters an envelope whose ids are not UUIDs (no result can be addressed)', async () => {
  const bytes = encodeCommand({ ...logical({ commandId: 'not-a-uuid' }), signature: null });
  await raw(bytes);
  expect((await waitForDeadLetter((d) => d.originalValue?.equals(bytes) ?? false)).reason).toMatch(/UUID/);
});

it('answers an oversized command with COMMAND_TOO_LARGE', async () => {
  const big = logical({ type: 'CreateTenant', tenantId: randomUUID(), payload: { name: 'x'.repeat(140_000), owner: { userId: 'alice', email: 'a@acme.example' } } });
  const pending = client.result(big.commandId, 30_000);
  await raw(signed(big), big.tenantId);
  expect(await pending).toMatchObject({ outcome: 'rejected', code: 'COMMAND_TOO_LARGE' });
});

it.each([
  ['an unsigned command', (c: LogicalCommand) => encodeCommand({ ...c, signature: null }), 'SIGNATURE_MISSING'],
  ['a command with a flipped signature byte', (c: LogicalCommand) => {
    const signature = sign(commandSigningBytes(c), spine.gateway.secretKey);
    signature[10]! ^= 0x01;
    return encodeCommand({ ...c, signature });
  }, 'SIGNATURE_INVALID'],
  ['a command whose payload was changed after signing', (c: LogicalCommand) => {
    const signature = sign(commandSigningBytes(c), spine.gateway.secretKey);
    return encodeCommand({ ...c, payload: { ...c.payload, role: 'owner' }, signature });
  }, 'SIGNATURE_INVALID'],
  ['a command signed by an unregistered key', (c: LogicalCommand) => signed(c, generateSigningKeyPair().secretKey), 'SIGNATURE_INVALID'],
])('refuses %s without growing the chain, logging it as UNAUTHENTICATED', async (_name, build, code) => {
  const before = (await verifyTenant(spine.kafka, spine.topics.events, tenant)).events;
  const command = logical();
  const pending = client.result(command.commandId, 30_000);
  const bytes = build(command);
  await raw(bytes);
  expect(await pending).toMatchObject({ outcome: 'rejected', code });
  expect(await waitForDeadLetter((d) => d.code === 'UNAUTHENTICATED' && d.originalValue?.equals(bytes) === true)).toMatchObject({ reason: code });
  expect((await verifyTenant(spine.kafka, spine.topics.events, tenant)).events).toBe(before);
});

it('dead-letters a record as large as the topic allows in bounded form, and the partition moves on', async () => {
  // Copied whole into a dead letter, this record would not fit in the dead-letter topic: the
  // transaction would fail for good and the same batch would be retried forever.
  const huge = Buffer.alloc(1_048_000, 0x61);
  huge.write(randomUUID());
  await raw(huge);
  const dl = await waitForDeadLetter((d) => d.originalValue !== null && d.originalValue.length === 65_536 && huge.subarray(0, 65_536).equals(d.originalValue));
  expect(dl.code).toBe('COMMAND_TOO_LARGE');
  expect(dl.reason).toContain(`truncated to its first 65536 of 1048000 bytes (sha256 ${createHash('sha256').update(huge).digest('hex')})`);
  // The same tenant, so the same partition: answered, not wedged behind the huge record.
  expect(await client.send(addMemberInput(tenant, 'alice', `after-huge-${randomUUID().slice(0, 8)}`))).toMatchObject({ outcome: 'accepted' });
});

it('refuses a commandId reused for other content with IDEMPOTENCY_CONFLICT', async () => {
  const command = logical({ payload: { userId: `u-${randomUUID().slice(0, 8)}`, email: 'reuse@acme.example', role: 'member' } });
  const first = client.result(command.commandId, 30_000);
  await raw(signed(command));
  expect(await first).toMatchObject({ outcome: 'accepted' });
  const other = logical({ commandId: command.commandId });
  const second = client.result(command.commandId, 30_000);
  await raw(signed(other));
  expect(await second).toMatchObject({ outcome: 'rejected', code: 'IDEMPOTENCY_CONFLICT', replayed: false });
});

it('answers a replayed commandId with the original result', async () => {
  const command = logical();
  const bytes = signed(command);
  const first = client.result(command.commandId, 30_000);
  await raw(bytes);
  expect(await first).toMatchObject({ outcome: 'accepted', replayed: false });
  const again = client.result(command.commandId, 30_000);
  await raw(bytes);
  expect(await again).toMatchObject({ outcome: 'accepted', replayed: true });
});

it('keeps running and has lost nothing already accepted', async () => {
  expect(await client.send(addMemberInput(tenant, 'alice', 'carol'))).toMatchObject({ outcome: 'accepted' });
  const verdict = await verifyTenant(spine.kafka, spine.topics.events, tenant);
  expect(verdict.ok).toBe(true);
  expect(verdict.events).toBeGreaterThanOrEqual(3);
});
