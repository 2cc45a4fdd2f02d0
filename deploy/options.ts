// Options of the local stack, from the environment (validated: a bad value is a ConfigError
// naming the variable). Partitions and topic prefix fall back to what the last `stack up`
// recorded, so a second `up` without the variables keeps the topics it made.
import { readStackState } from './state.ts';
import {
  DEFAULT_KAFKA_PORT,
  DEFAULT_PARTITIONS,
  DEFAULT_PG_PORT,
  parseDatabaseUrl,
  parsePartitions,
  parsePort,
  parseTopicPrefix,
  resolveDataDir,
} from './config/env.ts';
import type { Env } from './config/env.ts';

export interface StackOptions {
  readonly dataDir: string;
  /** Kafka PLAINTEXT port; the KRaft controller listens on kafkaPort + 1. */
  readonly kafkaPort: number;
  readonly pgPort: number;
  readonly partitions: number;
  readonly topicPrefix: string;
  /** DATABASE_URL: use that server instead of starting the embedded one. */
  readonly externalDatabaseUrl: string | undefined;
}

export function stackOptionsFromEnv(env: Env = process.env): StackOptions {
  const dataDir = resolveDataDir(env);
  const partitions = parsePartitions(env);
  const topicPrefix = parseTopicPrefix(env);
  const recorded = partitions === undefined || topicPrefix === undefined ? readStackState(dataDir) : undefined;
  return {
    dataDir,
    kafkaPort: parsePort(env, 'PALISADE_KAFKA_PORT', DEFAULT_KAFKA_PORT, true),
    pgPort: parsePort(env, 'PALISADE_PG_PORT', DEFAULT_PG_PORT),
    partitions: partitions ?? recorded?.partitions ?? DEFAULT_PARTITIONS,
    topicPrefix: topicPrefix ?? recorded?.topicPrefix ?? '',
    externalDatabaseUrl: parseDatabaseUrl(env),
  };
}
