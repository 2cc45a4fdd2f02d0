// `palisade audit verify|export` as an auditor runs them (the real CLI, exit codes), against a
// chain that someone with write access to the events topic tampered with.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotentProducer } from '../../adapters/kafka/simple-producer.ts';
import { partitionFor } from '../../adapters/kafka/partitioner.ts';
import { eventHash } from '../../domain/chain/event-hash.ts';
import { encodeEvent } from '../../schemas/codec.ts';
import type { LogicalEvent } from '../../domain/logical.ts';
import type { PalisadeClient } from '../../producers/client.ts';
import { TestSpine, addMemberInput, createTenantInput } from '../support/spine.ts';

const run = promisify(execFile);
let spine: TestSpine;
let client: PalisadeClient;

async function palisade(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, KAFKA_BROKERS: spine.brokers.join(','), DATABASE_URL: spine.db.url, PALISADE_TOPIC_PREFIX: spine.prefix };
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/palisade.js', ...args], { env, cwd: new URL('../..', import.meta.url).pathname });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  spine = await TestSpine.create({ partitions: 2 });
  await spine.startProcessor();
  client = await spine.client();
});
afterAll(async () => spine?.close());

describe('when the chain is intact', () => {
  const tenant = randomUUID();
  beforeAll(async () => {
    await client.send(createTenantInput(tenant, 'alice'));
    await client.send(addMemberInput(tenant, 'alice', 'bob'));
  });

  it('prints OK with the head and exits 0', async () => {
    const { code, stdout } = await palisade('audit', 'verify', '--tenant', tenant);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^OK tenant ${tenant}: 2 events, head seq 2 hash [0-9a-f]{64}, 0/0 checkpoints verified, no checkpoint yet`));
  });

  it('prints one JSON object with --json', async () => {
    const { code, stdout } = await palisade('audit', 'verify', '--tenant', tenant, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, tenantId: tenant, events: 2, head: { seq: 2, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
  });

  it('exports events.jsonl', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'palisade-cli-export-'));
    expect((await palisade('audit', 'export', '--tenant', tenant, '--out', dir)).code).toBe(0);
    expect((await readFile(join(dir, 'events.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(2);
  });

  it('refuses a tenant id that is not a UUID', async () => {
    const { code, stderr } = await palisade('audit', 'verify', '--tenant', 'acme');
    expect(code).toBe(1);
    expect(stderr).toMatch(/--tenant must be a lowercase canonical UUID/);
  });
});

describe('when someone appends a forged event to the events topic', () => {
  const tenant = randomUUID();
  let forged: LogicalEvent;

  beforeAll(async () => {
    await client.send(createTenantInput(tenant, 'alice'));
    await client.send(addMemberInput(tenant, 'alice', 'bob'));
    // The forger writes a plausible seq 3 ("mallory became owner") but cannot know the head hash
    // it would need to link to without reading the log; here it links to the genesis.
    forged = {
      tenantId: tenant, seq: 3, prevHash: '0'.repeat(64), eventId: randomUUID(), type: 'MemberAdded', schemaVersion: 1,
      occurredAt: new Date().toISOString(), actor: { kind: 'user', id: 'alice' }, commandId: randomUUID(),
      payload: { userId: 'mallory', email: 'm@evil.example', role: 'owner' },
    };
    const producer = await IdempotentProducer.open(spine.kafka);
    await producer.send([{ topic: spine.topics.events, partition: partitionFor(tenant, spine.partitions), key: tenant, value: encodeEvent(forged, eventHash(forged)) }]);
    await producer.close();
  });

  it('names the first bad seq and why, and exits 1', async () => {
    const { code, stdout } = await palisade('audit', 'verify', '--tenant', tenant);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`^FAIL tenant ${tenant} at seq 3: PREV_HASH_MISMATCH: prevHash is not the previous event's hash`));
  });

  it('makes a processor that rebuilds this partition refuse the tenant (fail closed)', async () => {
    const fresh = await TestSpine.create({ partitions: 1 });
    try {
      // Same forged history in an isolated spine, then a processor starting from the log.
      const producer = await IdempotentProducer.open(fresh.kafka);
      const clientOfFresh = await fresh.client();
      const processor = await fresh.startProcessor();
      const other = randomUUID();
      await clientOfFresh.send(createTenantInput(other, 'alice'));
      await processor.stop();
      const bad = { ...forged, tenantId: other, seq: 2 };
      await producer.send([{ topic: fresh.topics.events, partition: 0, key: other, value: encodeEvent(bad, eventHash(bad)) }]);
      await producer.close();
      await fresh.startProcessor();
      expect(await clientOfFresh.send(addMemberInput(other, 'alice', 'carol'))).toMatchObject({ outcome: 'rejected', code: 'CHAIN_CORRUPT' });
    } finally {
      await fresh.close();
    }
  });
});
