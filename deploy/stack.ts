// The local stack: one Kafka broker (KRaft) and PostgreSQL (embedded, or DATABASE_URL), with the
// Palisade topics and migrations. `up` is idempotent (running parts are reused, not restarted)
// and records what runs in <data dir>/stack.json; `down` stops exactly those processes, by pid.
// The steps of `up` are in stack-steps.ts; `status` is in status.ts.
import { mkdirSync } from 'node:fs';
import type { EnsureTopicsResult } from '../adapters/kafka/topics.ts';
import type { MigrateResult } from '../adapters/postgres/migrate.ts';
import { resolveDataDir } from './config/env.ts';
import type { Env } from './config/env.ts';
import { javaHomeFromEnv, stackOptionsFromEnv } from './config/stack.ts';
import { StackError } from './errors.ts';
import { startBroker, stopBroker } from './kafka/broker.ts';
import { withStackLock } from './lock.ts';
import type { StackOptions } from './options.ts';
import { stopEmbeddedPostgres } from './postgres/embedded.ts';
import { stopLocalS3 } from './s3/local-s3.ts';
import {
  applyMigrations,
  createDatabase,
  createTopics,
  ensureAnchorKey,
  ensureMasterKey,
  fetchJars,
  startKafka,
  startPostgres,
  startS3,
  type MasterKeyResult,
  type PostgresResult,
  type StackProgress,
  type StepContext,
} from './stack-steps.ts';
import { readStackState, removeStackState, writeStackState } from './state.ts';
import type { StackState } from './state.ts';

export type { StackProgress, StackStep } from './stack-steps.ts';

export type StackPart = 'kafka' | 'postgres';
export const STACK_PARTS: readonly StackPart[] = ['kafka', 'postgres'];

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
  readonly postgres: PostgresResult;
  readonly database: { readonly created: boolean };
  readonly topicPrefix: string;
  readonly partitions: number;
  readonly topics: EnsureTopicsResult;
  readonly migrations: MigrateResult;
  /** The anchorer's Ed25519 key file (created on first up, 0600, never printed). */
  readonly anchorKey: { readonly keyFile: string; readonly created: boolean };
  readonly masterKey: MasterKeyResult;
  readonly s3?: { readonly pid: number; readonly endpoint: string; readonly bucket: string; readonly reused: boolean };
  /** Parts this call started (the others were already running). */
  readonly started: readonly StackPart[];
  readonly ms: number;
}

/**
 * Bring the stack up: jars, broker, topics, PostgreSQL, database, migrations, keys (and the local
 * S3 when asked). Running parts are reused. On failure the parts started by this call are
 * stopped again and the error rethrown.
 */
export async function stackUp(options: StackUpOptions = {}): Promise<StackUpResult> {
  const { env, onProgress, s3: withS3, ...overrides } = options;
  const opts: StackOptions = { ...stackOptionsFromEnv(env), ...withoutUndefined(overrides) };
  const ctx: StepContext = { opts, progress: onProgress };
  const began = Date.now();
  mkdirSync(opts.dataDir, { recursive: true });
  return withStackLock(opts.dataDir, async () => {
    const previous = readStackState(opts.dataDir);
    const started: StackPart[] = [];
    let state: StackState = { version: 1, dataDir: opts.dataDir, topicPrefix: opts.topicPrefix, partitions: opts.partitions, updatedAt: new Date().toISOString() };
    try {
      await fetchJars(ctx);
      const broker = await startKafka(ctx);
      if (!broker.reused) started.push('kafka');
      const { pid, port, controllerPort, brokers, logFile, saslMechanism } = broker;
      state = { ...state, kafka: { mode: 'local', pid, port, controllerPort, brokers, logFile, saslMechanism } };
      writeStackState(state);

      const topics = await createTopics(ctx, broker.admin);
      const postgres = await startPostgres(ctx);
      if (postgres.started) started.push('postgres');
      state = { ...state, postgres: postgres.state, updatedAt: new Date().toISOString() };
      writeStackState(state);

      const database = await createDatabase(ctx, postgres.result.url);
      const migrations = await applyMigrations(ctx, postgres.result.url);
      const anchorKey = await ensureAnchorKey(ctx);
      const masterKey = await ensureMasterKey(ctx);
      const s3 = withS3 === true ? await startS3(ctx) : undefined;
      return {
        dataDir: opts.dataDir,
        kafka: { pid: broker.pid, brokers: broker.brokers, reused: broker.reused, logFile: broker.logFile },
        postgres: postgres.result,
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
  const dataDir = options.dataDir ?? resolveDataDir(options.env);
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

/**
 * Stop and start the stack's broker on the same data dir and port (fault tests). Resolves once
 * the broker answers again; updates stack.json with the new pid.
 */
export async function restartStackBroker(options: { dataDir?: string; env?: Env } = {}): Promise<{ pid: number; stopMs: number; startMs: number }> {
  const dataDir = options.dataDir ?? stackOptionsFromEnv(options.env).dataDir;
  return withStackLock(dataDir, async () => {
    const state = readStackState(dataDir);
    if (state?.kafka === undefined)
      throw new StackError('NOT_RUNNING', `no local broker is recorded in ${dataDir}/stack.json; run \`palisade stack up\` first`);
    const t0 = Date.now();
    await stopBroker({ dataDir });
    const t1 = Date.now();
    const broker = await startBroker({ dataDir, port: state.kafka.port, controllerPort: state.kafka.controllerPort, javaHome: javaHomeFromEnv(options.env) });
    const t2 = Date.now();
    writeStackState({ ...state, kafka: { ...state.kafka, pid: broker.pid, saslMechanism: broker.saslMechanism }, updatedAt: new Date().toISOString() });
    return { pid: broker.pid, stopMs: t1 - t0, startMs: t2 - t1 };
  });
}
