// An isolated Palisade spine for one integration test: its own topics (random prefix), its own
// database (migrated), a registered producer key, and processors in-process or as child
// processes (so tests can kill -9 them).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../adapters/kafka/client.ts';
import type { TopicNames } from '../../adapters/kafka/topics.ts';
import { generateSigningKeyPair } from '../../crypto/ed25519.ts';
import { registerProducerKey, type ProducerKeyGrant } from '../../producers/key-registry.ts';
import { SERVICE_COMMAND_TYPES } from '../../domain/tenant/service-commands.ts';
import { PalisadeClient, type CommandInput } from '../../producers/client.ts';
import type { Role } from '../../domain/tenant/index.ts';
import { CommandProcessor } from '../../consumers/command-processor/processor.ts';
import { PROCESSOR_DEFAULTS, type ProcessorLogger, type ProcessorOptions } from '../../consumers/command-processor/options.ts';
import { createTestDatabase, createTestTopics, deleteTestTopics, randomPrefix, testConfig, testKafka, type TestDatabase } from './stack.ts';
import { openPool } from '../../adapters/postgres/pool.ts';
import { generateKek, kekKeyFileBytes, type Kek } from '../../crypto/vault/key-wrap.ts';

export interface ProducerIdentity {
  readonly keyId: string;
  readonly publicKey: Buffer;
  readonly secretKey: Buffer;
}

export const quietLogger: ProcessorLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export class TestSpine {
  readonly prefix: string;
  readonly topics: TopicNames;
  readonly db: TestDatabase;
  readonly brokers: readonly string[];
  readonly kafka: Kafka;
  readonly partitions: number;
  readonly gateway: ProducerIdentity;
  readonly pool: pg.Pool;
  /** This spine's master key: every processor it starts (in-process or child) uses it. */
  readonly masterKey: Kek = generateKek();
  private readonly closers: (() => Promise<unknown>)[] = [];
  private children = 0;

  private constructor(prefix: string, topics: TopicNames, db: TestDatabase, partitions: number, gateway: ProducerIdentity) {
    this.prefix = prefix;
    this.topics = topics;
    this.db = db;
    this.partitions = partitions;
    this.gateway = gateway;
    this.brokers = testConfig().brokers;
    this.kafka = createKafka({ ...testKafka('admin'), clientId: 'palisade-test' });
    this.pool = openPool({ connectionString: db.url, max: 2 });
  }

  static async create(options: { partitions?: number } = {}): Promise<TestSpine> {
    const partitions = options.partitions ?? 3;
    const prefix = randomPrefix('spine');
    const topics = await createTestTopics(prefix, partitions);
    const db = await createTestDatabase();
    const spine = new TestSpine(prefix, topics, db, partitions, await newIdentity());
    await spine.registerKey(spine.gateway, { tenants: null, canCreateTenants: true });
    return spine;
  }

  /** A service key for every tenant: service actors, service commands only (the chat worker's grant). */
  async registerServiceKey(identity: ProducerIdentity): Promise<void> {
    await this.registerKey(identity, { tenants: null, canCreateTenants: false, actorKinds: ['service'], commandTypes: SERVICE_COMMAND_TYPES });
  }

  async registerKey(identity: ProducerIdentity, grant: Pick<ProducerKeyGrant, 'tenants' | 'canCreateTenants' | 'actorKinds' | 'commandTypes'>): Promise<void> {
    await registerProducerKey(this.pool, { keyId: identity.keyId, publicKey: identity.publicKey, description: 'test', ...grant });
  }

  processorOptions(overrides: Partial<ProcessorOptions> = {}): ProcessorOptions {
    return {
      ...PROCESSOR_DEFAULTS,
      kafka: testKafka('processor'),
      databaseUrl: this.db.url,
      groupId: `${this.prefix}palisade-processor`,
      topics: { commands: this.topics.commands, events: this.topics.events, results: this.topics.results, deadLetter: this.topics.deadLetter },
      sessionTimeoutMs: 10_000,
      masterKey: this.masterKey,
      ...overrides,
    };
  }

  async startProcessor(overrides: Partial<ProcessorOptions> = {}, log: ProcessorLogger = quietLogger): Promise<CommandProcessor> {
    const processor = new CommandProcessor(this.processorOptions(overrides), log);
    await processor.start();
    this.closers.push(() => processor.stop());
    return processor;
  }

  /** `palisade processor` as a child process, logging to .palisade/test-logs/. */
  spawnProcessor(): ChildProcessor {
    const dir = join(testConfig().dataDir, 'test-logs');
    mkdirSync(dir, { recursive: true });
    const logFile = join(dir, `${this.prefix}processor-${++this.children}.log`);
    const child = spawn(process.execPath, ['bin/palisade.js', 'processor'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: {
        ...process.env,
        KAFKA_BROKERS: this.brokers.join(','),
        DATABASE_URL: this.db.url,
        PALISADE_TOPIC_PREFIX: this.prefix,
        PALISADE_SESSION_TIMEOUT_MS: '10000',
        PALISADE_LOG_LEVEL: 'info',
        PALISADE_MASTER_KEY: Buffer.from(kekKeyFileBytes(this.masterKey)).toString('utf8').trim(),
        PALISADE_MASTER_KEY_FILE: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = createWriteStream(logFile);
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    const proc = new ChildProcessor(child, logFile);
    this.closers.push(() => proc.kill('SIGKILL'));
    return proc;
  }

  async client(identity: ProducerIdentity = this.gateway): Promise<PalisadeClient> {
    const client = await PalisadeClient.connect({ kafka: testKafka('producer'), topics: this.topics, producerKeyId: identity.keyId, secretKey: identity.secretKey, resultTimeoutMs: 60_000 });
    this.closers.push(() => client.close());
    return client;
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
    await this.pool.end();
    await this.db.drop().catch(() => undefined);
    await deleteTestTopics(this.prefix).catch(() => undefined);
  }
}

export class ChildProcessor {
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly exited: Promise<number | null>;

  constructor(child: ChildProcess, logFile: string) {
    this.child = child;
    this.logFile = logFile;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Resolves once the child logged a line matching `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(() => reject(new Error(`processor did not log ${pattern} within ${timeoutMs} ms; see ${this.logFile}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const line = buffer.split('\n').find((l) => pattern.test(l));
        if (line) {
          clearTimeout(timer);
          this.child.stdout!.off('data', onData);
          resolve(line);
        }
      };
      this.child.stdout!.on('data', onData);
    });
  }

  async kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export async function newIdentity(label = 'gw'): Promise<ProducerIdentity> {
  const pair = generateSigningKeyPair();
  return { keyId: `${label}-${randomUUID().slice(0, 8)}`, publicKey: pair.publicKey, secretKey: pair.secretKey };
}

export const userActor = (id: string): CommandInput['actor'] => ({ kind: 'user', id });

export function createTenantInput(tenantId: string, ownerId = 'owner-1'): CommandInput<'CreateTenant'> {
  return { tenantId, type: 'CreateTenant', actor: userActor(ownerId), payload: { name: `Tenant ${tenantId.slice(0, 8)}`, owner: { userId: ownerId, email: `${ownerId}@example.com` } } };
}

export function addMemberInput(tenantId: string, actorId: string, userId: string, role: Role = 'member'): CommandInput<'AddMember'> {
  return { tenantId, type: 'AddMember', actor: userActor(actorId), payload: { userId, email: `${userId}@example.com`, role } };
}
