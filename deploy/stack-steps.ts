// The steps of `palisade stack up`, one function each, in the order deploy/stack.ts runs them.
// Each says what it is about to do and what it did (`progress`, timed) and returns what it found
// or made; recording stack.json and undoing a failed `up` are the sequence's job.
import { ensureTopics, palisadeTopics } from '../adapters/kafka/topics.ts';
import type { EnsureTopicsResult } from '../adapters/kafka/topics.ts';
import type { KafkaEndpoint } from '../adapters/kafka/client.ts';
import { ensureAcls, serviceAcls } from '../adapters/kafka/acls.ts';
import { localKafkaUser } from '../adapters/kafka/principals.ts';
import { redactUrl } from '../adapters/postgres/database.ts';
import { migrate } from '../adapters/postgres/migrate.ts';
import type { MigrateResult } from '../adapters/postgres/migrate.ts';
import { ensureAnchorKeyFile } from '../crypto/anchor-key.ts';
import { defaultAnchorKeyFile } from './config/anchors.ts';
import { MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, devMasterKeyFile } from './config/master-key.ts';
import { brokerPid, startBroker, type BrokerInfo } from './kafka/broker.ts';
import { ensureKafkaJars, jarsPresent } from './kafka/jars.ts';
import { findJava } from './kafka/tools.ts';
import { ensureDevMasterKeyFile } from './master-key.ts';
import type { StackOptions } from './options.ts';
import { startEmbeddedPostgres } from './postgres/embedded.ts';
import { ensureDatabase } from './postgres/server.ts';
import { startLocalS3, type LocalS3State } from './s3/local-s3.ts';
import type { PostgresState } from './state.ts';

export type StackStep = 'jars' | 'kafka' | 'topics' | 'postgres' | 'database' | 'migrations' | 'anchor-key' | 'master-key' | 's3';

/** Progress of a long operation, for a CLI to show (`begin` carries what is about to happen). */
export interface StackProgress {
  readonly step: StackStep;
  readonly phase: 'begin' | 'end';
  readonly detail: string;
  readonly ms?: number;
}

/** What every step gets: the stack's options and where to report progress. */
export interface StepContext {
  readonly opts: StackOptions;
  readonly progress: ((progress: StackProgress) => void) | undefined;
}

export type PostgresResult =
  | { readonly mode: 'embedded'; readonly pid: number; readonly url: string; readonly reused: boolean; readonly logFile: string }
  | { readonly mode: 'external'; readonly url: string };

/**
 * The vault's master key: the local development key file (created on first up, 0600, never
 * printed), or none when PALISADE_MASTER_KEY / PALISADE_MASTER_KEY_FILE is set (`fromEnvironment`).
 */
export interface MasterKeyResult {
  readonly keyFile: string | null;
  readonly created: boolean;
  readonly fromEnvironment: string | null;
}

async function timed<T>(ctx: StepContext, step: StackStep, begin: string, fn: () => Promise<T>, end: (value: T) => string): Promise<T> {
  const start = Date.now();
  ctx.progress?.({ step, phase: 'begin', detail: begin });
  const value = await fn();
  ctx.progress?.({ step, phase: 'end', detail: end(value), ms: Date.now() - start });
  return value;
}

/** Java, then the Kafka jars (first run only); nothing to do while the broker runs. */
export async function fetchJars(ctx: StepContext): Promise<void> {
  const { dataDir, javaHome } = ctx.opts;
  if (brokerPid(dataDir) !== undefined) return;
  findJava(javaHome); // before Maven: without Java the jars are of no use
  if (jarsPresent(dataDir)) return;
  await timed(ctx, 'jars', 'fetching the Kafka jars with Maven (first run only)', () => ensureKafkaJars(dataDir), (r) => `fetched into ${r.libsDir}`);
}

/** The broker of the data dir, started unless it runs on the asked port already. */
export function startKafka(ctx: StepContext): Promise<BrokerInfo> {
  const { dataDir, kafkaPort, javaHome } = ctx.opts;
  return timed(
    ctx,
    'kafka',
    `starting Kafka on 127.0.0.1:${kafkaPort}`,
    () => startBroker({ dataDir, port: kafkaPort, javaHome }),
    (b) => `${b.reused ? 'already running' : 'started'} (pid ${b.pid}) on ${b.brokers.join(',')}`,
  );
}

/** Palisade's topics under the prefix (existing ones are checked, never altered) and the principals' ACLs on them. */
export function createTopics(ctx: StepContext, admin: KafkaEndpoint): Promise<EnsureTopicsResult> {
  const { topicPrefix, partitions } = ctx.opts;
  return timed(
    ctx,
    'topics',
    `ensuring topics ${topicPrefix}palisade.* (${partitions} partitions)`,
    async () => ({ ...(await ensureTopics(admin, palisadeTopics(topicPrefix, partitions))), acls: await ensureAcls(admin, serviceAcls(topicPrefix), localKafkaUser) }),
    (t) => `${t.created.length} created, ${t.existing.length} already there; ${t.acls} ACLs for the services' principals`,
  );
}

/** The embedded server (started unless it runs), or the DATABASE_URL server as it is. */
export async function startPostgres(ctx: StepContext): Promise<{ result: PostgresResult; state: PostgresState; started: boolean }> {
  const { dataDir, pgPort, externalDatabaseUrl: url } = ctx.opts;
  if (url !== undefined) {
    ctx.progress?.({ step: 'postgres', phase: 'end', detail: `using DATABASE_URL ${redactUrl(url)}` });
    return { result: { mode: 'external', url }, state: { mode: 'external', url }, started: false };
  }
  const pg = await timed(
    ctx,
    'postgres',
    `starting PostgreSQL on 127.0.0.1:${pgPort}`,
    () => startEmbeddedPostgres({ dataDir, port: pgPort }),
    (p) => `${p.reused ? 'already running' : 'started'} (pid ${p.pid}) on 127.0.0.1:${p.port}`,
  );
  return {
    result: { mode: 'embedded', pid: pg.pid, url: pg.url, reused: pg.reused, logFile: pg.logFile },
    state: { mode: 'embedded', pid: pg.pid, port: pg.port, url: pg.url, logFile: pg.logFile },
    started: !pg.reused,
  };
}

export function createDatabase(ctx: StepContext, url: string): Promise<{ created: boolean }> {
  return timed(ctx, 'database', 'ensuring the database exists', () => ensureDatabase(url), (d) => (d.created ? 'created' : 'already there'));
}

export function applyMigrations(ctx: StepContext, url: string): Promise<MigrateResult> {
  return timed(ctx, 'migrations', 'applying migrations', () => migrate(url), (m) => `${m.applied.length} applied, ${m.alreadyApplied} already applied`);
}

/** The anchorer's Ed25519 key file: created on first up (0600, never printed), else left as it is. */
export function ensureAnchorKey(ctx: StepContext): Promise<{ keyFile: string; created: boolean }> {
  const keyFile = ctx.opts.anchorKeyFile ?? defaultAnchorKeyFile(ctx.opts.dataDir);
  return timed(
    ctx,
    'anchor-key',
    'ensuring the anchor signing key',
    async () => ensureAnchorKeyFile(keyFile),
    (k) => (k.created ? `created a local development key in ${k.keyFile} (0600; public half in ${k.publicKeyFile})` : `using ${k.keyFile}`),
  );
}

/** The development master key, unless the environment names the master key itself. */
export function ensureMasterKey(ctx: StepContext): Promise<MasterKeyResult> {
  const { masterKeyVariable, dataDir } = ctx.opts;
  const ensure = async (): Promise<MasterKeyResult> => {
    if (masterKeyVariable !== undefined) return { keyFile: null, created: false, fromEnvironment: masterKeyVariable };
    const { keyFile, created } = ensureDevMasterKeyFile(devMasterKeyFile(dataDir));
    return { keyFile, created, fromEnvironment: null };
  };
  return timed(ctx, 'master-key', 'ensuring the vault master key', ensure, (k) =>
    k.fromEnvironment !== null
      ? `using ${k.fromEnvironment} from the environment (no development key made)`
      : k.created
        ? `created a local development key in ${k.keyFile} (0600; used only with this local stack; elsewhere set ${MASTER_KEY_ENV} or ${MASTER_KEY_FILE_ENV})`
        : `using ${k.keyFile}`,
  );
}

/** The local S3 (moto) with an Object Lock bucket, for PALISADE_ANCHOR_STORE=s3. */
export function startS3(ctx: StepContext): Promise<LocalS3State & { readonly reused: boolean }> {
  return timed(
    ctx,
    's3',
    'starting the local S3 (moto) with an Object Lock bucket',
    () => startLocalS3({ dataDir: ctx.opts.dataDir }),
    (r) => `${r.reused ? 'already running' : 'started'} (pid ${r.pid}) on ${r.endpoint}, bucket ${r.bucket}`,
  );
}
