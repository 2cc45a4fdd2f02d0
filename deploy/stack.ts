// The local stack: one Kafka broker (KRaft) and PostgreSQL (embedded, or DATABASE_URL), with the
// Palisade topics and migrations. `up` is idempotent (running parts are reused, not restarted)
// and records what runs in <data dir>/stack.json; `down` stops exactly those processes, by pid.
import { anchorKeyFile, ensureAnchorKeyFile } from '../crypto/anchor-key.ts';
import { MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, devMasterKeyFile } from './config/master-key.ts';
import { ensureDevMasterKeyFile } from './master-key.ts';
import { localS3Pid, readLocalS3State, startLocalS3, stopLocalS3 } from './s3/local-s3.ts';
import { mkdirSync } from 'node:fs';
import { ensureTopics, palisadeTopics, withAdmin } from '../adapters/kafka/topics.ts';
import type { EnsureTopicsResult } from '../adapters/kafka/topics.ts';
import { embeddedDatabaseUrl, resolveDataDir } from './config/env.ts';
import type { Env } from './config/env.ts';
import { jarsPresent, ensureKafkaJars } from './kafka/jars.ts';
import { brokerPaths, brokerPid, startBroker, stopBroker } from './kafka/broker.ts';
import { findJava } from './kafka/tools.ts';
import { StackError } from './errors.ts';
import { withStackLock } from './lock.ts';
import { stackOptionsFromEnv } from './options.ts';
import type { StackOptions } from './options.ts';
import { ensureDatabase, redactUrl, withClient } from '../adapters/postgres/database.ts';
import { embeddedPaths, embeddedPostgresPid, startEmbeddedPostgres, stopEmbeddedPostgres } from './postgres/embedded.ts';
import { migrate } from '../adapters/postgres/migrate.ts';
import type { MigrateResult } from '../adapters/postgres/migrate.ts';
import { readStackState, removeStackState, writeStackState } from './state.ts';
import type { LocalKafkaState, PostgresState, StackState } from './state.ts';

export type StackPart = 'kafka' | 'postgres';
export const STACK_PARTS: readonly StackPart[] = ['kafka', 'postgres'];

export type StackStep = 'jars' | 'kafka' | 'topics' | 'postgres' | 'database' | 'migrations' | 'anchor-key' | 'master-key' | 's3';

/** Progress of a long operation, for a CLI to show (`begin` carries what is about to happen). */
export interface StackProgress {
  readonly step: StackStep | StackPart;
  readonly phase: 'begin' | 'end';
  readonly detail: string;
  readonly ms?: number;
}

export interface StackUpOptions extends Partial<StackOptions> {
  /** Defaults for what the options leave out; process.env by default. */
  readonly env?: Env;
  readonly onProgress?: (progress: StackProgress) => void;
  /** Also start a local S3 with Object Lock (moto), for PALISADE_ANCHOR_STORE=s3. */
  readonly s3?: boolean;
}

export interface StackUpResult {
  readonly dataDir: string;
  readonly kafka: { readonly pid: number; readonly brokers: readonly string[]; readonly reused: boolean; readonly logFile: string };
  readonly postgres:
    | { readonly mode: 'embedded'; readonly pid: number; readonly url: string; readonly reused: boolean; readonly logFile: string }
    | { readonly mode: 'external'; readonly url: string };
  readonly database: { readonly created: boolean };
  readonly topicPrefix: string;
  readonly partitions: number;
  readonly topics: EnsureTopicsResult;
  readonly migrations: MigrateResult;
  /** The anchorer's Ed25519 key file (created on first up, 0600, never printed). */
  readonly anchorKey: { readonly keyFile: string; readonly created: boolean };
  /**
   * The vault's master key: the local development key file (created on first up, 0600, never
   * printed), or none when PALISADE_MASTER_KEY / PALISADE_MASTER_KEY_FILE is set (`fromEnvironment`).
   */
  readonly masterKey: { readonly keyFile: string | null; readonly created: boolean; readonly fromEnvironment: string | null };
  readonly s3?: { readonly pid: number; readonly endpoint: string; readonly bucket: string; readonly reused: boolean };
  /** Parts this call started (the others were already running). */
  readonly started: readonly StackPart[];
  readonly ms: number;
}

async function timed<T>(
  onProgress: StackUpOptions['onProgress'],
  step: StackProgress['step'],
  begin: string,
  fn: () => Promise<T>,
  end: (value: T) => string,
): Promise<T> {
  const start = Date.now();
  onProgress?.({ step, phase: 'begin', detail: begin });
  const value = await fn();
  onProgress?.({ step, phase: 'end', detail: end(value), ms: Date.now() - start });
  return value;
}

/**
 * Bring the stack up: jars, broker, topics, PostgreSQL, database, migrations. Running parts are
 * reused. On failure the parts started by this call are stopped again and the error rethrown.
 */
export async function stackUp(options: StackUpOptions = {}): Promise<StackUpResult> {
  const { env, onProgress: progress, s3: withS3, ...overrides } = options;
  const opts: StackOptions = { ...stackOptionsFromEnv(env ?? process.env), ...withoutUndefined(overrides) };
  const began = Date.now();
  mkdirSync(opts.dataDir, { recursive: true });
  return withStackLock(opts.dataDir, async () => {
    const previous = readStackState(opts.dataDir);
    const started: StackPart[] = [];
    let state: StackState = {
      version: 1,
      dataDir: opts.dataDir,
      topicPrefix: opts.topicPrefix,
      partitions: opts.partitions,
      updatedAt: new Date().toISOString(),
    };
    try {
      if (brokerPid(opts.dataDir) === undefined) {
        findJava(); // before Maven: without Java the jars are of no use
        if (!jarsPresent(opts.dataDir))
          await timed(
            progress,
            'jars',
            'fetching the Kafka jars with Maven (first run only)',
            () => ensureKafkaJars(opts.dataDir),
            (r) => `fetched into ${r.libsDir}`,
          );
      }
      const broker = await timed(
        progress,
        'kafka',
        `starting Kafka on 127.0.0.1:${opts.kafkaPort}`,
        () => startBroker({ dataDir: opts.dataDir, port: opts.kafkaPort }),
        (b) => `${b.reused ? 'already running' : 'started'} (pid ${b.pid}) on ${b.brokers.join(',')}`,
      );
      if (!broker.reused) started.push('kafka');
      const kafka: LocalKafkaState = {
        mode: 'local',
        pid: broker.pid,
        port: broker.port,
        controllerPort: broker.controllerPort,
        brokers: broker.brokers,
        logFile: broker.logFile,
      };
      state = { ...state, kafka };
      writeStackState(state);

      const topics = await timed(
        progress,
        'topics',
        `ensuring topics ${opts.topicPrefix}palisade.* (${opts.partitions} partitions)`,
        () => ensureTopics(broker.brokers, palisadeTopics(opts.topicPrefix, opts.partitions)),
        (t) => `${t.created.length} created, ${t.existing.length} already there`,
      );

      let postgresResult: StackUpResult['postgres'];
      let postgres: PostgresState;
      if (opts.externalDatabaseUrl !== undefined) {
        const url = opts.externalDatabaseUrl;
        postgresResult = { mode: 'external', url };
        postgres = { mode: 'external', url };
        progress?.({ step: 'postgres', phase: 'end', detail: `using DATABASE_URL ${redactUrl(url)}` });
      } else {
        const pg = await timed(
          progress,
          'postgres',
          `starting PostgreSQL on 127.0.0.1:${opts.pgPort}`,
          () => startEmbeddedPostgres({ dataDir: opts.dataDir, port: opts.pgPort }),
          (p) => `${p.reused ? 'already running' : 'started'} (pid ${p.pid}) on 127.0.0.1:${p.port}`,
        );
        if (!pg.reused) started.push('postgres');
        postgresResult = { mode: 'embedded', pid: pg.pid, url: pg.url, reused: pg.reused, logFile: pg.logFile };
        postgres = { mode: 'embedded', pid: pg.pid, port: pg.port, url: pg.url, logFile: pg.logFile };
      }
      state = { ...state, postgres, updatedAt: new Date().toISOString() };
      writeStackState(state);

      const database = await timed(
        progress,
        'database',
        'ensuring the database exists',
        () => ensureDatabase(postgresResult.url),
        (d) => (d.created ? 'created' : 'already there'),
      );
      const migrations = await timed(
        progress,
        'migrations',
        'applying migrations',
        () => migrate(postgresResult.url),
        (m) => `${m.applied.length} applied, ${m.alreadyApplied} already applied`,
      );
      const anchorKey = await timed(
        progress,
        'anchor-key',
        'ensuring the anchor signing key',
        async () => ensureAnchorKeyFile(anchorKeyFile(env ?? process.env, opts.dataDir)),
        (k) => (k.created ? `created a local development key in ${k.keyFile} (0600; public half in ${k.publicKeyFile})` : `using ${k.keyFile}`),
      );
      const masterKey = await timed(
        progress,
        'master-key',
        'ensuring the vault master key',
        async () => ensureMasterKey(env ?? process.env, opts.dataDir),
        (k) =>
          k.fromEnvironment !== null
            ? `using ${k.fromEnvironment} from the environment (no development key made)`
            : k.created
              ? `created a local development key in ${k.keyFile} (0600; used only with this local stack; elsewhere set ${MASTER_KEY_ENV} or ${MASTER_KEY_FILE_ENV})`
              : `using ${k.keyFile}`,
      );
      const s3 = withS3 === true
        ? await timed(
            progress,
            's3',
            'starting the local S3 (moto) with an Object Lock bucket',
            () => startLocalS3({ dataDir: opts.dataDir }),
            (r) => `${r.reused ? 'already running' : 'started'} (pid ${r.pid}) on ${r.endpoint}, bucket ${r.bucket}`,
          )
        : undefined;
      return {
        dataDir: opts.dataDir,
        kafka: { pid: broker.pid, brokers: broker.brokers, reused: broker.reused, logFile: broker.logFile },
        postgres: postgresResult,
        database,
        topicPrefix: opts.topicPrefix,
        partitions: opts.partitions,
        topics,
        migrations,
        anchorKey: { keyFile: anchorKey.keyFile, created: anchorKey.created },
        masterKey,
        ...(s3 ? { s3: { pid: s3.pid, endpoint: s3.endpoint, bucket: s3.bucket, reused: s3.reused } } : {}),
        started,
        ms: Date.now() - began,
      };
    } catch (error) {
      await stopParts(opts.dataDir, started).catch(() => undefined);
      restoreState(opts.dataDir, previous, started);
      throw error;
    }
  });
}

/** The development master key, unless the environment names the master key itself. */
function ensureMasterKey(env: Env, dataDir: string): StackUpResult['masterKey'] {
  const fromEnvironment = [MASTER_KEY_ENV, MASTER_KEY_FILE_ENV].find((name) => (env[name] ?? '') !== '');
  if (fromEnvironment !== undefined) return { keyFile: null, created: false, fromEnvironment };
  const { keyFile, created } = ensureDevMasterKeyFile(devMasterKeyFile(dataDir));
  return { keyFile, created, fromEnvironment: null };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function stopParts(dataDir: string, parts: readonly StackPart[]): Promise<Array<{ part: StackPart | 's3'; pid: number }>> {
  const stopped: Array<{ part: StackPart | 's3'; pid: number }> = [];
  // Postgres first: nothing of ours depends on it at shutdown, and it is quick.
  if (parts.includes('postgres')) {
    const result = await stopEmbeddedPostgres({ dataDir });
    if (result.pid !== undefined) stopped.push({ part: 'postgres', pid: result.pid });
  }
  if (parts.includes('kafka')) {
    const result = await stopBroker({ dataDir });
    if (result.pid !== undefined) stopped.push({ part: 'kafka', pid: result.pid });
  }
  return stopped;
}

/** Drop the stopped parts from stack.json (and the file once nothing is left). */
function rewriteState(dataDir: string, stoppedParts: readonly StackPart[]): void {
  let state: StackState | undefined;
  try {
    state = readStackState(dataDir);
  } catch (error) {
    // A corrupt stack.json must not keep `stack down` from cleaning up.
    if (stoppedParts.length === STACK_PARTS.length) removeStackState(dataDir);
    else throw error;
  }
  if (state === undefined) return;
  const { kafka, postgres, ...rest } = state;
  const next: StackState = {
    ...rest,
    ...(kafka !== undefined && !stoppedParts.includes('kafka') ? { kafka } : {}),
    ...(postgres !== undefined && !(stoppedParts.includes('postgres') && postgres.mode === 'embedded') ? { postgres } : {}),
    updatedAt: new Date().toISOString(),
  };
  if (next.kafka === undefined && (next.postgres === undefined || stoppedParts.length === STACK_PARTS.length)) removeStackState(dataDir);
  else writeStackState(next);
}

/** After a failed up: the state from before, minus the parts this call started and stopped again. */
function restoreState(dataDir: string, previous: StackState | undefined, stopped: readonly StackPart[]): void {
  if (previous === undefined) {
    const current = readStackState(dataDir);
    // Keep a record of parts that were already running (reused) when up failed.
    if (current !== undefined) rewriteState(dataDir, stopped);
    return;
  }
  writeStackState(previous);
  rewriteState(dataDir, stopped);
}

export interface StackDownOptions {
  readonly dataDir?: string;
  /** Which parts to stop; both by default. An external DATABASE_URL server is never stopped. */
  readonly parts?: readonly StackPart[];
  readonly env?: Env;
}

export interface StackDownResult {
  readonly dataDir: string;
  readonly stopped: ReadonlyArray<{ readonly part: StackPart | 's3'; readonly pid: number }>;
  readonly ms: number;
}

/**
 * Stop this data dir's broker and embedded PostgreSQL (by the pids they recorded, verified
 * against their command lines) and forget them in stack.json.
 */
export async function stackDown(options: StackDownOptions = {}): Promise<StackDownResult> {
  const began = Date.now();
  const dataDir = options.dataDir ?? resolveDataDir(options.env ?? process.env);
  const parts = options.parts ?? STACK_PARTS;
  return withStackLock(dataDir, async () => {
    const stopped = await stopParts(dataDir, parts);
    // The local S3 (moto) is started only on request (`stack up --s3`); a full `down` stops it.
    if (options.parts === undefined) {
      const s3 = await stopLocalS3({ dataDir });
      if (s3.pid !== undefined) stopped.push({ part: 's3', pid: s3.pid });
    }
    rewriteState(dataDir, parts);
    return { dataDir, stopped, ms: Date.now() - began };
  });
}

export type PartState = 'running' | 'stopped' | 'unreachable';

export interface PartStatus {
  readonly part: StackPart;
  readonly mode: 'local' | 'embedded' | 'external';
  readonly state: PartState;
  readonly pid: number | null;
  /** host:port for Kafka; the URL without password for PostgreSQL. */
  readonly address: string;
  readonly logFile: string | null;
}

export interface StackStatus {
  readonly dataDir: string;
  /** Whether stack.json exists (a stack was brought up and not brought down). */
  readonly recorded: boolean;
  readonly topicPrefix: string | null;
  readonly partitions: number | null;
  readonly parts: readonly PartStatus[];
  /** The local S3 (moto), when `stack up --s3` started it. */
  readonly s3: { readonly pid: number; readonly endpoint: string; readonly bucket: string } | null;
}

async function reachable(probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch {
    return false;
  }
}

/** What runs, from the pid files and a quick probe of each part (never starts anything). */
export async function stackStatus(options: { dataDir?: string; env?: Env } = {}): Promise<StackStatus> {
  const env = options.env ?? process.env;
  const defaults = stackOptionsFromEnv(env);
  const dataDir = options.dataDir ?? defaults.dataDir;
  const state = readStackState(dataDir);

  const kafkaPid = brokerPid(dataDir);
  const brokers = state?.kafka?.brokers ?? [`127.0.0.1:${defaults.kafkaPort}`];
  const kafkaUp =
    kafkaPid !== undefined &&
    (await reachable(() => withAdmin(brokers, (admin) => admin.describeCluster(), { retries: 0, requestTimeoutMs: 3_000 })));
  const kafka: PartStatus = {
    part: 'kafka',
    mode: 'local',
    state: kafkaPid === undefined ? 'stopped' : kafkaUp ? 'running' : 'unreachable',
    pid: kafkaPid ?? null,
    address: brokers.join(','),
    logFile: brokerPaths(dataDir).serverLog,
  };

  let postgres: PartStatus;
  if (state?.postgres?.mode === 'external') {
    const url = state.postgres.url;
    const up = await reachable(() => withClient(url, (client) => client.query('select 1'), 3_000));
    postgres = { part: 'postgres', mode: 'external', state: up ? 'running' : 'unreachable', pid: null, address: redactUrl(url), logFile: null };
  } else {
    const pgPid = embeddedPostgresPid(dataDir);
    const url = state?.postgres?.url ?? embeddedDatabaseUrl(defaults.pgPort);
    const serverUrl = new URL(url);
    serverUrl.pathname = '/postgres';
    const up = pgPid !== undefined && (await reachable(() => withClient(serverUrl.toString(), (client) => client.query('select 1'), 3_000)));
    postgres = {
      part: 'postgres',
      mode: 'embedded',
      state: pgPid === undefined ? 'stopped' : up ? 'running' : 'unreachable',
      pid: pgPid ?? null,
      address: redactUrl(url),
      logFile: embeddedPaths(dataDir).logFile,
    };
  }
  return {
    dataDir,
    recorded: state !== undefined,
    topicPrefix: state?.topicPrefix ?? null,
    partitions: state?.partitions ?? null,
    parts: [kafka, postgres],
    s3: localS3Status(dataDir),
  };
}

function localS3Status(dataDir: string): StackStatus['s3'] {
  const state = readLocalS3State(dataDir);
  const pid = localS3Pid(dataDir);
  return state !== undefined && pid !== undefined ? { pid, endpoint: state.endpoint, bucket: state.bucket } : null;
}

/**
 * Stop and start the stack's broker on the same data dir and port (fault tests). Resolves once
 * the broker answers again; updates stack.json with the new pid.
 */
export async function restartStackBroker(options: { dataDir?: string; env?: Env } = {}): Promise<{ pid: number; stopMs: number; startMs: number }> {
  const dataDir = options.dataDir ?? stackOptionsFromEnv(options.env ?? process.env).dataDir;
  return withStackLock(dataDir, async () => {
    const state = readStackState(dataDir);
    if (state?.kafka === undefined)
      throw new StackError('NOT_RUNNING', `no local broker is recorded in ${dataDir}/stack.json; run \`palisade stack up\` first`);
    const t0 = Date.now();
    await stopBroker({ dataDir });
    const t1 = Date.now();
    const broker = await startBroker({ dataDir, port: state.kafka.port, controllerPort: state.kafka.controllerPort });
    const t2 = Date.now();
    writeStackState({ ...state, kafka: { ...state.kafka, pid: broker.pid }, updatedAt: new Date().toISOString() });
    return { pid: broker.pid, stopMs: t1 - t0, startMs: t2 - t1 };
  });
}
