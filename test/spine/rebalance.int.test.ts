// Two writers for one partition must never both append: a rebalance mid-stream leaves no fork
// (never two events with one tenant and seq), and a zombie writer is fenced.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransactionalWriter } from '../../adapters/kafka/transactional-writer.ts';
import { KafkaEdgeError } from '../../adapters/kafka/errors.ts';
import { readPartitionsToEnd } from '../../adapters/kafka/partition-reader.ts';
import { partitionFor } from '../../adapters/kafka/partitioner.ts';
import { TailConsumer } from '../../adapters/kafka/tail-consumer.ts';
import { verifyChain } from '../../domain/chain/chain-verifier.ts';
import { decodeEvent } from '../../schemas/codec.ts';
import type { HashedEvent } from '../../domain/logical.ts';
import type { CommandInput, PalisadeClient } from '../../producers/client.ts';
import { TestSpine, addMemberInput, createTenantInput, type ChildProcessor } from '../support/spine.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readAll(spine: TestSpine, topic: string): Promise<Buffer[]> {
  const values: Buffer[] = [];
  await readPartitionsToEnd(spine.kafka, {
    topic, partitions: Array.from({ length: spine.partitions }, (_, p) => p),
    onRecords: (_p, records) => { for (const r of records) values.push(r.value!); },
  });
  return values;
}

async function allEvents(spine: TestSpine): Promise<HashedEvent[]> {
  return (await readAll(spine, spine.topics.events)).map((v) => {
    const { event, carriedHash } = decodeEvent(v);
    return { ...event, hash: carriedHash };
  });
}

function expectNoForkAndExactlyOnce(events: HashedEvent[], commandIds: readonly string[]): void {
  const positions = new Set<string>();
  for (const e of events) {
    const position = `${e.tenantId}#${e.seq}`;
    expect(positions.has(position), `two events at ${position}`).toBe(false);
    positions.add(position);
  }
  const byTenant = new Map<string, HashedEvent[]>();
  for (const e of events) byTenant.set(e.tenantId, [...(byTenant.get(e.tenantId) ?? []), e]);
  for (const [tenantId, chain] of byTenant) expect(verifyChain(tenantId, chain)).toMatchObject({ ok: true });
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.commandId, (counts.get(e.commandId) ?? 0) + 1);
  for (const id of commandIds) expect(counts.get(id), `command ${id}`).toBe(1);
}

describe('when a second writer opens the same transactional id', () => {
  let spine: TestSpine;
  beforeAll(async () => { spine = await TestSpine.create({ partitions: 1 }); });
  afterAll(async () => spine?.close());

  it('fences the first: its next commit fails as fenced and none of its records become visible', async () => {
    const txnId = `${spine.prefix}zombie-test`;
    const position = (offset: string) => ({ groupId: `${spine.prefix}g`, topic: spine.topics.commands, partition: 0, nextOffset: offset });
    const zombie = await TransactionalWriter.open(spine.kafka, txnId);
    // On a fresh broker the group coordinator may not be ready yet (NOT_COORDINATOR, retriable):
    // retry as the processor does.
    for (let attempt = 1; ; attempt++) {
      try {
        await zombie.commit([{ topic: spine.topics.deadLetter, partition: 0, key: 'k', value: Buffer.from('before') }], position('0'));
        break;
      } catch (error) {
        if (!(error instanceof KafkaEdgeError) || !error.retriable || attempt >= 10) throw error;
        await sleep(500);
      }
    }
    const successor = await TransactionalWriter.open(spine.kafka, txnId);
    const failure = await zombie.commit([{ topic: spine.topics.deadLetter, partition: 0, key: 'k', value: Buffer.from('zombie') }], position('1')).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KafkaEdgeError);
    expect((failure as KafkaEdgeError).kind).toBe('fenced');
    await successor.commit([{ topic: spine.topics.deadLetter, partition: 0, key: 'k', value: Buffer.from('successor') }], position('1'));
    const visible = (await readAll(spine, spine.topics.deadLetter)).map((v) => v.toString());
    expect(visible).toEqual(['before', 'successor']);
    await Promise.all([zombie.close(), successor.close()]);
  });
});

describe('when a processor is fenced by a newer writer for its partition', () => {
  let spine: TestSpine;
  beforeAll(async () => { spine = await TestSpine.create({ partitions: 2 }); });
  afterAll(async () => spine?.close());

  it('stops appending to that partition, and after reassignment the command is applied exactly once', async () => {
    const warnings: string[] = [];
    await spine.startProcessor({}, { info: () => undefined, error: () => undefined, warn: (_o, msg) => { warnings.push(msg); } });
    const client = await spine.client();
    const tenant = randomUUID();
    const partition = partitionFor(tenant, spine.partitions);
    expect(await client.send(createTenantInput(tenant, 'alice'))).toMatchObject({ outcome: 'accepted' });
    // An intruder takes over the partition's transactional id, as a new owner would.
    const intruder = await TransactionalWriter.open(spine.kafka, `${spine.prefix}palisade-processor-${partition}`);
    const pending = await client.publish(addMemberInput(tenant, 'alice', 'bob'));
    await sleep(3_000);
    expect((await allEvents(spine)).filter((e) => e.tenantId === tenant)).toHaveLength(1); // the zombie appended nothing
    expect(warnings).toContain('fenced by a newer writer; pausing until the group reassigns this partition');
    await intruder.close();
    // A second member joins the group: the rebalance hands the partition to a live writer.
    await spine.startProcessor();
    const result = await client.result(pending.commandId, 90_000);
    expect(result).toMatchObject({ outcome: 'accepted', firstSeq: 2 });
    expectNoForkAndExactlyOnce(await allEvents(spine), [pending.commandId]);
  });
});

describe('when processors join and leave the group mid-stream', () => {
  let spine: TestSpine;
  let client: PalisadeClient;
  beforeAll(async () => {
    spine = await TestSpine.create({ partitions: 6 });
    client = await spine.client();
  });
  afterAll(async () => spine?.close());

  it('moves partitions between them with no fork and every command exactly once', async () => {
    const tenants = Array.from({ length: 30 }, () => randomUUID());
    const commands: CommandInput[] = tenants.map((t) => ({ ...createTenantInput(t, 'owner'), commandId: randomUUID() }));
    for (let i = 0; i < 3_000; i++) commands.push({ ...addMemberInput(tenants[i % 30]!, 'owner', `m-${i}`), commandId: randomUUID() });
    let results = 0;
    const tail = new TailConsumer(spine.kafka, spine.topics.results, 'rb-test');
    await tail.start(() => { results++; });
    const spawn = async (): Promise<ChildProcessor> => {
      const p = spine.spawnProcessor();
      await p.waitForLog(/command processor started/);
      return p;
    };
    const first = await spawn();
    let second: ChildProcessor | undefined;
    for (let sent = 0; sent < commands.length; sent += 100) {
      while (sent - results > 600) await sleep(10);
      if (sent === 1_000) second = await spawn(); // joins: the group rebalances mid-stream
      if (sent === 2_200) expect(await first.kill('SIGTERM')).toBe(0); // leaves gracefully: rebalance again
      await client.publishMany(commands.slice(sent, sent + 100));
    }
    const deadline = Date.now() + 120_000;
    let events = await allEvents(spine);
    while (events.length < commands.length && Date.now() < deadline) {
      await sleep(1_000);
      events = await allEvents(spine);
    }
    await tail.stop();
    expect(events).toHaveLength(commands.length);
    expectNoForkAndExactlyOnce(events, commands.map((c) => c.commandId!));
    const secondLog = await readFile(second!.logFile, 'utf8');
    // The second processor took over partitions that already had history.
    expect(secondLog.split('\n').filter((l) => l.includes('"partition ready"') && !l.includes('"events":0,')).length).toBeGreaterThan(0);
    await second!.kill('SIGTERM');
  }, 240_000);
});
