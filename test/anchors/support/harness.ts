// An isolated anchoring setup for one integration test: its own topics (random prefix), its own
// database (migrated), a fresh anchor key in a temporary data dir, and a write-once directory
// (or the S3 options a test passes). Events are produced straight onto the events topic, as the
// processor writes them, so tests control every byte (and can tamper with them).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../../adapters/kafka/client.ts';
import { partitionFor } from '../../../adapters/kafka/partitioner.ts';
import { IdempotentProducer } from '../../../adapters/kafka/simple-producer.ts';
import type { TopicNames } from '../../../adapters/kafka/topics.ts';
import { encodeEvent } from '../../../schemas/codec.ts';
import type { HashedEvent } from '../../../domain/logical.ts';
import { ensureAnchorKeyFile, readAnchorVerifierKey } from '../../../crypto/anchor-key.ts';
import { Anchorer, type AnchorerHooks, type AnchorerLogger } from '../../../projections/anchors/anchorer.ts';
import type { AnchorerOptions } from '../../../projections/anchors/options.ts';
import type { AnchorStoreOptions } from '../../../adapters/storage/store-options.ts';
import { createTestDatabase, createTestTopics, deleteTestTopics, randomPrefix, testConfig, type TestDatabase, testKafka } from '../../support/stack.ts';
import { openPool } from '../../../adapters/postgres/pool.ts';

export const ORIGIN = 'palisade.test/anchors';

/** Keeps error lines so tests can assert on what the anchorer reported. */
export class RecordingLogger implements AnchorerLogger {
  readonly errors: { obj: object; msg: string }[] = [];
  info(): void {}
  warn(): void {}
  error(obj: object, msg: string): void {
    this.errors.push({ obj, msg });
  }
}

export class AnchorHarness {
  readonly prefix: string;
  readonly topics: TopicNames;
  readonly partitions: number;
  readonly db: TestDatabase;
  readonly pool: pg.Pool;
  readonly kafka: Kafka;
  readonly dataDir: string;
  readonly keyFile: string;
  readonly store: AnchorStoreOptions;
  readonly #producer: IdempotentProducer;
  readonly #anchorers: Anchorer[] = [];

  private constructor(prefix: string, topics: TopicNames, partitions: number, db: TestDatabase, producer: IdempotentProducer, kafka: Kafka, store?: AnchorStoreOptions) {
    this.prefix = prefix;
    this.topics = topics;
    this.partitions = partitions;
    this.db = db;
    this.pool = openPool({ connectionString: db.url, max: 2 });
    this.kafka = kafka;
    this.#producer = producer;
    this.dataDir = mkdtempSync(join(tmpdir(), 'palisade-anchors-'));
    this.keyFile = join(this.dataDir, 'keys', 'anchor.json');
    ensureAnchorKeyFile(this.keyFile);
    this.store = store ?? { kind: 'fs', dir: join(this.dataDir, 'anchors') };
  }

  static async create(options: { partitions?: number; store?: AnchorStoreOptions } = {}): Promise<AnchorHarness> {
    const partitions = options.partitions ?? 3;
    const prefix = randomPrefix('anchors');
    const topics = await createTestTopics(prefix, partitions);
    const db = await createTestDatabase();
    const kafka = createKafka({ ...testKafka('admin'), clientId: 'palisade-anchor-test' });
    const producer = await IdempotentProducer.open(kafka);
    return new AnchorHarness(prefix, topics, partitions, db, producer, kafka, options.store);
  }

  get verifierKey(): string {
    return readAnchorVerifierKey(this.keyFile, ORIGIN)!;
  }

  options(overrides: Partial<AnchorerOptions> = {}): AnchorerOptions {
    return {
      kafka: testKafka('anchorer'), databaseUrl: this.db.url, eventsTopic: this.topics.events, anchorsTopic: this.topics.anchors,
      groupId: `${this.prefix}palisade-anchorer`, intervalMs: 3_600_000, origin: ORIGIN, keyFile: this.keyFile, store: this.store,
      sessionTimeoutMs: 10_000, ...overrides,
    };
  }

  /** A started anchorer (stopped by close() unless the test stops it first). */
  async anchorer(overrides: Partial<AnchorerOptions> = {}, log: AnchorerLogger = new RecordingLogger(), hooks: AnchorerHooks = {}): Promise<Anchorer> {
    const anchorer = new Anchorer(this.options(overrides), log, hooks);
    await anchorer.start();
    this.#anchorers.push(anchorer);
    return anchorer;
  }

  /** Produces events as the processor would (key = tenant, its murmur2 partition); `hashOf` may lie. */
  async produce(events: readonly HashedEvent[], topic = this.topics.events, hashOf: (e: HashedEvent) => string = (e) => e.hash): Promise<void> {
    await this.#producer.send(events.map((e) => ({
      topic, partition: partitionFor(e.tenantId, this.partitions), key: e.tenantId, value: encodeEvent(e, hashOf(e)),
    })));
  }

  /** Waits until the anchorer's tree of `tenantId` has consumed `size` events. */
  async consumed(anchorer: Anchorer, tenantId: string, size: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(() => (anchorer.tenantStatus(tenantId)?.size ?? 0) >= size, `tenant ${tenantId} to reach ${size} events`, timeoutMs);
  }

  async close(): Promise<void> {
    for (const anchorer of this.#anchorers) await anchorer.stop().catch(() => undefined);
    await this.#producer.close();
    await this.pool.end();
    await this.db.drop().catch(() => undefined);
    await deleteTestTopics(this.prefix).catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
