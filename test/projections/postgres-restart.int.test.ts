// A PostgreSQL restart mid-stream: the projector runs against a private embedded PostgreSQL
// (its own data dir and port, so the shared stack is never disturbed), which is stopped and
// started again while events keep arriving. The projector retries with backoff, resumes from
// the offsets committed with its rows, and ends with every event applied exactly once.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { produceEvents, syntheticEvents, type GeneratedEvent } from '../bench/_synthetic-events.ts';
import { createKafka } from '../../adapters/kafka/client.ts';
import { createDatabase } from '../../adapters/postgres/database.ts';
import { startEmbeddedPostgres, stopEmbeddedPostgres } from '../../deploy/postgres/embedded.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { Projector } from '../../projections/projector.ts';
import { PROJECTOR_DEFAULTS } from '../../projections/options.ts';
import { createTestTopics, deleteTestTopics, randomPrefix, testConfig, testKafka } from '../support/stack.ts';
import { actualContents, expectedContents } from './support/expected.ts';
import { openPool } from '../../adapters/postgres/pool.ts';

const PARTITIONS = 3;
let dataDir: string;
let port: number;
let url: string;
let prefix: string;
let topic: string;
let projector: Projector | undefined;
const warnings: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'palisade-pg-restart-'));
  chmodSync(dataDir, 0o755); // PostgreSQL runs as `postgres` when the tests run as root
  port = await freePort();
  const server = await startEmbeddedPostgres({ dataDir, port });
  url = await createDatabase(server.url, 'restart');
  await migrate(url);
  prefix = randomPrefix('pgrestart');
  topic = (await createTestTopics(prefix, PARTITIONS)).events;
});

afterAll(async () => {
  await projector?.stop().catch(() => undefined);
  await stopEmbeddedPostgres({ dataDir }).catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
  await deleteTestTopics(prefix).catch(() => undefined);
});

it('resumes without loss after PostgreSQL stops and starts mid-stream', async () => {
  const kafka = createKafka({ ...testKafka('admin'), clientId: 'test' });
  const events: GeneratedEvent[] = [];
  const produce = async (seed: string) => {
    const batch = [...syntheticEvents({ tenants: 20, events: 6_000, seed })];
    await produceEvents(kafka, topic, PARTITIONS, batch);
    events.push(...batch);
  };
  await produce('restart-1');
  const log = { info: () => undefined, warn: (o: object, m: string) => warnings.push(`${m} ${JSON.stringify(o)}`), error: (o: object, m: string) => warnings.push(`${m} ${JSON.stringify(o)}`) };
  projector = new Projector({ ...PROJECTOR_DEFAULTS, kafka: testKafka('projector'), databaseUrl: url, topic, groupId: `${prefix}palisade-projector`, sessionTimeoutMs: 10_000, retryMaxMs: 1_000 }, log);
  await projector.start();

  const admin = () => openPool({ connectionString: url, max: 1 });
  const applied = async () => {
    const pool = admin();
    try {
      return Number((await pool.query('select count(*) as n from analytics.audit_log')).rows[0].n);
    } finally {
      await pool.end();
    }
  };
  // Let it start applying, then pull the server out from under it while more events arrive.
  for (let deadline = Date.now() + 60_000; (await applied()) === 0; ) {
    if (Date.now() > deadline) throw new Error('nothing was applied');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const stopped = await stopEmbeddedPostgres({ dataDir });
  expect(stopped.stopped).toBe(true);
  await produce('restart-2');
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await startEmbeddedPostgres({ dataDir, port });
  await produce('restart-3');

  const expected = expectedContents(events);
  const pool = admin();
  try {
    for (let deadline = Date.now() + 120_000; ; ) {
      const n = Number((await pool.query('select count(*) as n from analytics.audit_log')).rows[0].n);
      if (n >= expected.audit.length) break;
      if (Date.now() > deadline) throw new Error(`only ${n} of ${expected.audit.length} events applied; ${warnings.slice(-5).join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await actualContents(pool)).toEqual(expected);
  } finally {
    await pool.end();
  }
  expect(warnings.some((w) => w.includes('retrying'))).toBe(true);
});
