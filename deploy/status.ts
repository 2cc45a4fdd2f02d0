// `palisade stack status`: what runs, from the pid files and a quick probe of each part.
import { withAdmin } from '../adapters/kafka/topics.ts';
import { localStackAdmin } from './kafka/credentials.ts';
import { redactUrl, withClient } from '../adapters/postgres/database.ts';
import { embeddedDatabaseUrl } from './config/env.ts';
import type { Env } from './config/env.ts';
import { stackOptionsFromEnv } from './config/stack.ts';
import { brokerPaths, brokerPid } from './kafka/broker.ts';
import { embeddedPaths, embeddedPostgresPid } from './postgres/embedded.ts';
import { localS3Pid, readLocalS3State } from './s3/local-s3.ts';
import type { StackPart } from './stack.ts';
import { readStackState } from './state.ts';

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
  const defaults = stackOptionsFromEnv(options.env);
  const dataDir = options.dataDir ?? defaults.dataDir;
  const state = readStackState(dataDir);

  const kafkaPid = brokerPid(dataDir);
  const brokers = state?.kafka?.brokers ?? [`127.0.0.1:${defaults.kafkaPort}`];
  const kafkaUp =
    kafkaPid !== undefined &&
    (await reachable(() => withAdmin(localStackAdmin(dataDir, brokers), (admin) => admin.describeCluster(), { retries: 0, requestTimeoutMs: 3_000 })));
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

