// The application's configuration: where Kafka and PostgreSQL are, topic names, logging.
// Environment first, then what `palisade stack up` recorded in <data dir>/stack.json, then
// local defaults. Validated once; the result is frozen. The other files of deploy/config read
// the variables of one component each; README.md's table says what every variable means.
import { readStackState } from '../state.ts';
import type { StackState } from '../state.ts';
import {
  DEFAULT_KAFKA_PORT,
  DEFAULT_PARTITIONS,
  DEFAULT_PG_PORT,
  embeddedDatabaseUrl,
  parseBrokers,
  parseDatabaseUrl,
  parseIntegerVariable,
  parseLogFormat,
  parseLogLevel,
  parsePartitions,
  parsePort,
  parseTopicPrefix,
  resolveDataDir,
} from './env.ts';
import type { Env } from './env.ts';
import { ConfigError } from './errors.ts';
import type { LogFormat, LogLevel } from '../../adapters/logger.ts';

export interface AppConfig {
  /** Git-ignored working directory of the local stack (`.palisade/`). */
  readonly dataDir: string;
  readonly kafka: { readonly brokers: readonly string[] };
  /** Prepended to every Palisade topic name (`${prefix}palisade.events`). */
  readonly topicPrefix: string;
  /** Partitions of the co-partitioned commands / events / command-results topics. */
  readonly partitions: number;
  readonly databaseUrl: string;
  readonly logLevel: LogLevel;
  /** How log lines look: `pretty` on a terminal, `json` otherwise (PALISADE_LOG_FORMAT). */
  readonly logFormat: LogFormat;
  /**
   * Kafka consumer-group session timeout (PALISADE_SESSION_TIMEOUT_MS, default 30 s): how long
   * a dead processor keeps its partitions. Within the broker's default group.min/max.session.timeout.ms.
   */
  readonly sessionTimeoutMs: number;
}

function recordedStack(dataDir: string): StackState | undefined {
  try {
    return readStackState(dataDir);
  } catch (error) {
    throw new ConfigError(`${dataDir}/stack.json`, 'is unreadable', `${(error as Error).message}`);
  }
}

/**
 * Load and validate the configuration. Throws ConfigError naming the bad variable.
 * Variables: KAFKA_BROKERS, DATABASE_URL, PALISADE_TOPIC_PREFIX, PALISADE_PARTITIONS,
 * PALISADE_DATA_DIR, PALISADE_LOG_LEVEL, PALISADE_SESSION_TIMEOUT_MS, PALISADE_KAFKA_PORT,
 * PALISADE_PG_PORT, PALISADE_LOG_FORMAT.
 */
export function loadConfig(env: Env = process.env, stdoutIsTty: boolean = process.stdout.isTTY === true): AppConfig {
  const dataDir = resolveDataDir(env);
  const kafkaPort = parsePort(env, 'PALISADE_KAFKA_PORT', DEFAULT_KAFKA_PORT, true);
  const pgPort = parsePort(env, 'PALISADE_PG_PORT', DEFAULT_PG_PORT);
  const brokers = parseBrokers(env);
  const databaseUrl = parseDatabaseUrl(env);
  const topicPrefix = parseTopicPrefix(env);
  const partitions = parsePartitions(env);
  const logLevel = parseLogLevel(env, 'info');
  const logFormat = parseLogFormat(env, stdoutIsTty);
  const sessionTimeoutMs = parseIntegerVariable(env, 'PALISADE_SESSION_TIMEOUT_MS', { min: 6_000, max: 1_800_000 }, 30_000);

  // Only consult stack.json for what the environment leaves open.
  const needsStack =
    brokers === undefined || databaseUrl === undefined || topicPrefix === undefined || partitions === undefined;
  const stack = needsStack ? recordedStack(dataDir) : undefined;

  const config: AppConfig = {
    dataDir,
    kafka: { brokers: Object.freeze([...(brokers ?? stack?.kafka?.brokers ?? [`127.0.0.1:${kafkaPort}`])]) },
    topicPrefix: topicPrefix ?? stack?.topicPrefix ?? '',
    partitions: partitions ?? stack?.partitions ?? DEFAULT_PARTITIONS,
    databaseUrl: databaseUrl ?? stack?.postgres?.url ?? embeddedDatabaseUrl(pgPort),
    logLevel,
    logFormat,
    sessionTimeoutMs,
  };
  Object.freeze(config.kafka);
  return Object.freeze(config);
}
