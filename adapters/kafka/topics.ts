// Palisade's Kafka topics (docs/spec.md "Kafka topics"): names, partition counts and configs, and
// `ensureTopics`, which creates the missing ones and refuses existing ones that differ.
// Commands, events and command-results are co-partitioned: the same partition count, so the
// processor owning commands partition p is the only writer of events partition p.
import kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';
import { TopicSetupError } from './errors.ts';

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic-level configs set at creation and checked on existing topics. */
  readonly configs: Readonly<Record<string, string>>;
}

export interface TopicNames {
  readonly commands: string;
  readonly events: string;
  readonly results: string;
  readonly anchors: string;
  readonly deadLetter: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const FOREVER = '-1';

export function topicNames(prefix: string): TopicNames {
  return {
    commands: `${prefix}palisade.commands`,
    events: `${prefix}palisade.events`,
    results: `${prefix}palisade.command-results`,
    anchors: `${prefix}palisade.anchors`,
    deadLetter: `${prefix}palisade.dead-letter`,
  };
}

/**
 * The largest record batch every Palisade topic accepts, set explicitly on each (Kafka's broker
 * default, so topics created before it was explicit match it). A dead letter is bounded far
 * below it (consumers/command-processor/dead-letter.ts), so the largest command record the
 * broker accepts can still be dead-lettered and cannot wedge its partition.
 */
export const TOPIC_MAX_MESSAGE_BYTES = 1_048_588;

/** The Palisade topics under `prefix`; `partitions` is the co-partitioned count. */
export function palisadeTopics(prefix: string, partitions: number, replicationFactor = 1): TopicSpec[] {
  const names = topicNames(prefix);
  const limit = { 'max.message.bytes': String(TOPIC_MAX_MESSAGE_BYTES) };
  const deleteAfter = (ms: number): Record<string, string> => ({ 'cleanup.policy': 'delete', 'retention.ms': String(ms), ...limit });
  return [
    { name: names.commands, partitions, replicationFactor, configs: deleteAfter(7 * DAY_MS) },
    {
      // The system of record: never deleted by time or size.
      name: names.events,
      partitions,
      replicationFactor,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': FOREVER, 'retention.bytes': FOREVER, 'min.insync.replicas': '1', ...limit },
    },
    { name: names.results, partitions, replicationFactor, configs: deleteAfter(7 * DAY_MS) },
    {
      name: names.anchors,
      partitions: 1,
      replicationFactor,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': FOREVER, 'retention.bytes': FOREVER, ...limit },
    },
    { name: names.deadLetter, partitions, replicationFactor, configs: deleteAfter(30 * DAY_MS) },
  ];
}

export interface AdminOptions {
  /** Per-request timeout (ms); default 10 s. */
  readonly requestTimeoutMs?: number;
  /** kafkajs retries of a failed request; default 5. Use 0 for a single probe. */
  readonly retries?: number;
}

/** Run `fn` with a connected kafkajs admin client, disconnecting afterwards in every case. */
export async function withAdmin<T>(brokers: readonly string[], fn: (admin: Admin) => Promise<T>, options: AdminOptions = {}): Promise<T> {
  const kafka = new Kafka({
    clientId: 'palisade-admin',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface EnsureTopicsResult {
  readonly created: readonly string[];
  readonly existing: readonly string[];
}

function validateSpec(spec: TopicSpec): void {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(spec.name) || spec.name === '.' || spec.name === '..')
    throw new TopicSetupError('INVALID_SPEC', spec.name, `"${spec.name}" is not a legal Kafka topic name`);
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1)
    throw new TopicSetupError('INVALID_SPEC', spec.name, `${spec.name}: partitions must be a positive integer, got ${spec.partitions}`);
}

async function checkPartitions(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
  for (const spec of specs) {
    const actual = topics.find((topic) => topic.name === spec.name)?.partitions.length ?? 0;
    if (actual !== spec.partitions)
      throw new TopicSetupError(
        'PARTITION_MISMATCH',
        spec.name,
        `topic ${spec.name} has ${actual} partitions but ${spec.partitions} are expected (commands, events and ` +
          `command-results must be co-partitioned); use a new topic prefix, or set PALISADE_PARTITIONS=${actual}`,
      );
  }
}

async function checkConfigs(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((spec) => ({ type: ConfigResourceTypes.TOPIC, name: spec.name, configNames: Object.keys(spec.configs) })),
  });
  for (const spec of specs) {
    const entries = described.resources.find((resource) => resource.resourceName === spec.name)?.configEntries ?? [];
    for (const [name, expected] of Object.entries(spec.configs)) {
      const actual = entries.find((entry) => entry.configName === name)?.configValue;
      if (actual !== expected)
        throw new TopicSetupError(
          'CONFIG_MISMATCH',
          spec.name,
          `topic ${spec.name} has ${name}=${actual ?? '(unset)'} but ${expected} is expected; ` +
            `fix it with kafka-configs --alter --entity-type topics --entity-name ${spec.name} --add-config ${name}=${expected}`,
        );
    }
  }
}

/**
 * createTopics' waitForLeaders means the controller elected leaders; the broker may still answer
 * NOT_LEADER_FOR_PARTITION for a moment (seen in CI on a busy machine). A topic is ready once
 * ListOffsets succeeds for all its partitions.
 */
async function waitUntilServed(admin: Admin, topics: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const topic of topics) {
    for (;;) {
      try {
        await admin.fetchTopicOffsets(topic);
        break;
      } catch (error) {
        if ((error as { retriable?: boolean }).retriable !== true || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

/**
 * Create the topics that do not exist (with their configs) and verify that every topic has the
 * expected partition count and configs. Throws TopicSetupError on a mismatch; never alters an
 * existing topic.
 */
export async function ensureTopics(brokers: readonly string[], specs: readonly TopicSpec[]): Promise<EnsureTopicsResult> {
  specs.forEach(validateSpec);
  return withAdmin(brokers, async (admin) => {
    const present = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !present.has(spec.name));
    if (missing.length > 0) {
      // Returns false (no error) for topics that a concurrent caller created first.
      await admin.createTopics({
        waitForLeaders: true,
        timeout: 30_000,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor,
          configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    await checkPartitions(admin, specs);
    await checkConfigs(admin, specs);
    await waitUntilServed(admin, missing.map((spec) => spec.name));
    return {
      created: missing.map((spec) => spec.name),
      existing: specs.filter((spec) => present.has(spec.name)).map((spec) => spec.name),
    };
  });
}
