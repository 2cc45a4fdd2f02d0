// Helpers for integration tests (STYLE.md §7): each test isolated on the shared local stack —
// a random topic prefix and consumer group, its own database.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../deploy/config/config.ts';
import { readStackState } from '../../deploy/state.ts';
import { createDatabase, databaseNameOf, dropDatabase } from '../../adapters/postgres/database.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { dropDatabaseRoles } from '../../adapters/postgres/roles.ts';
import type { MigrateOptions } from '../../adapters/postgres/migrate.ts';
import { restartStackBroker } from '../../deploy/stack.ts';
import { ensureTopics, palisadeTopics, topicNames, withAdmin } from '../../adapters/kafka/topics.ts';
import type { TopicNames } from '../../adapters/kafka/topics.ts';
import type { KafkaEndpoint } from '../../adapters/kafka/client.ts';
import { localKafkaUser, type KafkaRole } from '../../adapters/kafka/principals.ts';
import { deleteAcls, ensureAcls, serviceAcls } from '../../adapters/kafka/acls.ts';
import { kafkaEndpoint } from '../../deploy/config/kafka.ts';

export interface TestStackConfig {
  readonly dataDir: string;
  readonly brokers: readonly string[];
  /** URL of the stack's `palisade` database; use createTestDatabase() for a private one. */
  readonly databaseUrl: string;
  readonly partitions: number;
}

/** Brokers and database of the running stack (environment first, then .palisade/stack.json). */
export function testConfig(): TestStackConfig {
  const config = loadConfig();
  if (readStackState(config.dataDir) === undefined && process.env['KAFKA_BROKERS'] === undefined)
    throw new Error(`no stack recorded in ${config.dataDir}: run the tests with \`--project int\` (its globalSetup starts the stack) or \`palisade stack up\``);
  return { dataDir: config.dataDir, brokers: config.kafka.brokers, databaseUrl: config.databaseUrl, partitions: config.partitions };
}

/**
 * The stack's broker as `role` reaches it (the local stack's logins). Fixtures that set up or
 * attack use 'admin': an attacker needs the admin's password to do what they do.
 */
export function testKafka(role: KafkaRole): KafkaEndpoint {
  return kafkaEndpoint(loadConfig(), role);
}

function randomSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

/** A fresh topic prefix such as `t-lx3k9a1f2e3d4c.` (Kafka-legal, unique per call). */
export function randomPrefix(label = 't'): string {
  return `${label}-${randomSuffix()}.`;
}

/** A fresh consumer group id. */
export function randomGroupId(label = 'g'): string {
  return `${label}-${randomSuffix()}`;
}

/** Create the Palisade topics under `prefix` (3 partitions unless told). */
export async function createTestTopics(prefix: string, partitions = 3): Promise<TopicNames> {
  await ensureTopics(testKafka('admin'), palisadeTopics(prefix, partitions));
  await ensureAcls(testKafka('admin'), serviceAcls(prefix), localKafkaUser);
  return topicNames(prefix);
}

/** Delete every topic whose name starts with `prefix` (test cleanup). */
export async function deleteTestTopics(prefix: string): Promise<void> {
  await withAdmin(testKafka('admin'), async (admin) => {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  });
  await deleteAcls(testKafka('admin'), serviceAcls(prefix), localKafkaUser);
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Drop the database (disconnecting any session still on it). */
  drop(): Promise<void>;
}

/** A new database on the stack's server, migrated unless `migrate: false`. */
export async function createTestDatabase(options: { migrate?: boolean } & MigrateOptions = {}): Promise<TestDatabase> {
  const serverUrl = testConfig().databaseUrl;
  const base = databaseNameOf(serverUrl) ?? 'palisade';
  const name = `${base}_test_${randomSuffix()}`.slice(0, 63);
  const url = await createDatabase(serverUrl, name);
  // Roles are cluster-wide: each test database's tenancy roles go with it (adapters/postgres/roles.ts).
  const drop = async (): Promise<void> => {
    await dropDatabase(serverUrl, name);
    await dropDatabaseRoles(serverUrl, name);
  };
  if (options.migrate !== false) {
    try {
      await migrate(url, options.migrationsDir === undefined ? {} : { migrationsDir: options.migrationsDir });
    } catch (error) {
      await drop().catch(() => undefined);
      throw error;
    }
  }
  return { name, url, drop };
}

/** Stop and start the stack's broker (same data dir and port); resolves once it answers again. */
export function restartBroker(): Promise<{ pid: number; stopMs: number; startMs: number }> {
  return restartStackBroker({ dataDir: testConfig().dataDir });
}
