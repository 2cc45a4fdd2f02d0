// `npm run bench -- spine [--commands N] [--tenants-for-memory N]`
// End to end: publish → event committed → result received, for 100 tenants; p50/p99 latency;
// the processor's RSS (a child process) after loading 10,000 tenants. Baseline, in the same run:
// raw produce + consume (kafkajs, idempotent producer, same message sizes, same window).
import { randomBytes, randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { loadConfig } from '../../deploy/config/config.ts';
import { kafkaEndpoint } from '../../deploy/config/kafka.ts';
import { createDatabase, databaseNameOf, dropDatabase } from '../../adapters/postgres/database.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createKafka, type KafkaEndpoint } from '../../adapters/kafka/client.ts';
import { ensureTopics, palisadeTopics, topicNames, withAdmin } from '../../adapters/kafka/topics.ts';
import { IdempotentProducer } from '../../adapters/kafka/simple-producer.ts';
import { TailConsumer } from '../../adapters/kafka/tail-consumer.ts';
import { generateSigningKeyPair } from '../../crypto/ed25519.ts';
import { registerProducerKey } from '../../producers/key-registry.ts';
import { PalisadeClient, type CommandInput } from '../../producers/client.ts';
import { encodeCommand } from '../../schemas/codec.ts';
import type { JsonObject } from '../../domain/logical.ts';
import { percentile, printComparison, rssMiB } from './_support.ts';
import { openPool } from '../../adapters/postgres/pool.ts';

const WINDOW = 2_000;
const CHUNK = 100;

export async function main(args: string[]): Promise<void> {
  const commands = numberArg(args, '--commands', 20_000);
  const memoryTenants = numberArg(args, '--tenants-for-memory', 10_000);
  const config = loadConfig();
  const prefix = `bench-${Date.now().toString(36)}${randomBytes(3).toString('hex')}.`;
  const topics = topicNames(prefix);
  await ensureTopics(kafkaEndpoint(config, 'admin'), [...palisadeTopics(prefix, config.partitions), { name: `${prefix}raw`, partitions: config.partitions, replicationFactor: 1, configs: {} }]);
  const dbName = `${databaseNameOf(config.databaseUrl) ?? 'palisade'}_bench_${randomBytes(3).toString('hex')}`;
  const dbUrl = await createDatabase(config.databaseUrl, dbName);
  await migrate(dbUrl);
  const key = generateSigningKeyPair();
  const keyId = `bench-${randomBytes(3).toString('hex')}`;
  const pool = openPool({ connectionString: dbUrl, max: 1 });
  await registerProducerKey(pool, { keyId, publicKey: key.publicKey, tenants: null, canCreateTenants: true, description: 'bench' });
  await pool.end();

  const processor = spawn(process.execPath, [...(process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']] : []), 'bin/palisade.js', 'processor'], {
    env: { ...process.env, KAFKA_BROKERS: config.kafka.brokers.join(','), DATABASE_URL: dbUrl, PALISADE_TOPIC_PREFIX: prefix, PALISADE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const client = await PalisadeClient.connect({ kafka: kafkaEndpoint(config, 'producer'), topics, producerKeyId: keyId, secretKey: key.secretKey, resultTimeoutMs: 120_000 });
  try {
    console.log(`spine benchmark: ${commands} commands over 100 tenants, window ${WINDOW}, ${config.partitions} partitions, processor pid ${processor.pid}`);
    const tenants = Array.from({ length: 100 }, () => randomUUID());
    await runWindowed(client, tenants.map((t) => createTenant(t))); // warm-up, and the tenants exist
    const inputs = Array.from({ length: commands }, (_, i) => addMember(tenants[i % tenants.length]!, i));
    const spine = await runWindowed(client, inputs);
    const sampleSize = encodedSize(inputs[0]!, keyId);

    const raw = await rawBaseline(kafkaEndpoint(config, 'admin'), `${prefix}raw`, commands, sampleSize);

    const memoryInputs = Array.from({ length: memoryTenants }, () => createTenant(randomUUID()));
    await runWindowed(client, memoryInputs);
    await new Promise((r) => setTimeout(r, 2_000));
    const rss = await rssMiB(processor.pid!);

    printComparison('results (same run, same machine)', [
      ['', 'palisade spine', 'raw kafkajs produce+consume'],
      ['throughput (msg/s)', spine.rate.toFixed(0), raw.rate.toFixed(0)],
      ['latency p50 (ms)', spine.p50.toFixed(1), raw.p50.toFixed(1)],
      ['latency p99 (ms)', spine.p99.toFixed(1), raw.p99.toFixed(1)],
      ['ratio spine/raw', (spine.rate / raw.rate).toFixed(2), 'target >= 0.30'],
      [`processor RSS with ${memoryTenants + 100} tenants`, `${rss.toFixed(0)} MiB`, 'target < 300 MiB'],
    ]);
  } finally {
    await client.close();
    processor.kill('SIGTERM');
    await new Promise((r) => processor.once('exit', r));
    await withAdmin(kafkaEndpoint(config, 'admin'), async (admin) => {
      const names = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      await admin.deleteTopics({ topics: names });
    }).catch(() => undefined);
    await dropDatabase(config.databaseUrl, dbName).catch(() => undefined);
  }
}

interface Run { rate: number; p50: number; p99: number }

async function runWindowed(client: PalisadeClient, inputs: CommandInput[]): Promise<Run> {
  const latencies: number[] = [];
  let inFlight = 0;
  const started = performance.now();
  const waits: Promise<void>[] = [];
  for (let i = 0; i < inputs.length; i += CHUNK) {
    while (inFlight > WINDOW) await new Promise((r) => setTimeout(r, 1));
    const chunk = inputs.slice(i, i + CHUNK);
    const sentAt = performance.now();
    const published = await client.publishMany(chunk);
    inFlight += published.length;
    for (const p of published) {
      waits.push(client.result(p.commandId).then((r) => {
        if (r.outcome !== 'accepted') throw new Error(`bench command rejected: ${r.code} ${r.message}`);
        latencies.push(performance.now() - sentAt);
        inFlight--;
      }));
    }
  }
  await Promise.all(waits);
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: inputs.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function rawBaseline(endpoint: KafkaEndpoint, topic: string, count: number, size: number): Promise<Run> {
  const kafka = createKafka({ ...endpoint, clientId: 'palisade-bench-raw' });
  const producer = await IdempotentProducer.open(kafka);
  const tail = new TailConsumer(kafka, topic, 'bench-raw');
  const latencies: number[] = [];
  let received = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => { done = r; });
  await tail.start((record) => {
    latencies.push(performance.now() - record.value!.readDoubleLE(0));
    if (++received === count) done();
  });
  const started = performance.now();
  for (let i = 0; i < count; i += CHUNK) {
    while (i - received > WINDOW) await new Promise((r) => setTimeout(r, 1));
    const n = Math.min(CHUNK, count - i);
    const now = performance.now();
    await producer.send(Array.from({ length: n }, (_, j) => {
      const value = randomBytes(size);
      value.writeDoubleLE(now, 0);
      return { topic, key: `tenant-${(i + j) % 100}`, value };
    }));
  }
  await all;
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  await tail.stop();
  latencies.sort((a, b) => a - b);
  return { rate: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const createTenant = (tenantId: string): CommandInput => ({
  tenantId, type: 'CreateTenant', actor: { kind: 'user', id: 'owner' }, payload: { name: `Bench ${tenantId.slice(0, 8)}`, owner: { userId: 'owner', email: 'owner@bench.example' } },
});
const addMember = (tenantId: string, i: number): CommandInput => ({
  tenantId, type: 'AddMember', actor: { kind: 'user', id: 'owner' }, payload: { userId: `member-${i}`, email: `member-${i}@bench.example`, role: 'member' },
});

/** The bytes one command takes on the wire, so the baseline moves messages of the same size. */
function encodedSize(input: CommandInput, producerKeyId: string): number {
  return encodeCommand({
    commandId: randomUUID(), tenantId: input.tenantId, type: input.type, schemaVersion: 1, issuedAt: new Date().toISOString(),
    actor: input.actor, producerKeyId, payload: input.payload as JsonObject, signature: Buffer.alloc(64),
  }).length;
}

function numberArg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}
