// Options of the local stack, from the environment (validated: a bad value is a ConfigError
// naming the variable). Partitions and topic prefix fall back to what the last `stack up`
// recorded, so a second `up` without the variables keeps the topics it made.
import { readStackState } from '../state.ts';
import type { StackOptions } from '../options.ts';
import { anchorKeyFileVariable } from './anchors.ts';
import {
  DEFAULT_KAFKA_PORT,
  DEFAULT_PARTITIONS,
  DEFAULT_PG_PORT,
  parseDatabaseUrl,
  parsePartitions,
  parsePort,
  parseTopicPrefix,
  resolveDataDir,
} from './env.ts';
import type { Env } from './env.ts';
import { masterKeyVariable } from './master-key.ts';

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
    javaHome: javaHomeFromEnv(env),
    anchorKeyFile: anchorKeyFileVariable(env),
    masterKeyVariable: masterKeyVariable(env),
  };
}

/** JAVA_HOME, for the Java that runs the local broker (`java` on PATH when unset or empty). */
export function javaHomeFromEnv(env: Env = process.env): string | undefined {
  const value = env['JAVA_HOME'];
  return value === undefined || value === '' ? undefined : value;
}
