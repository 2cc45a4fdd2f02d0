// The one place that constructs kafkajs clients. kafkajs is unmaintained since 2023 and has
// known EOS bugs, so everything Kafka goes through adapters/kafka/ (adapters/kafka/README.md),
// which keeps it swappable for another client.
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { isTransientResponseError } from './log-filter.ts';

// Advice for kafkajs users that does not apply here: we never use its default partitioner for
// tenants without checking (adapters/kafka/partitioner.ts), and bounded producer retries are deliberate
// (a stuck send is caught by the transactional writer's watchdog instead).
const IGNORED_WARNINGS = ['KafkaJS v2.0.0 switched default partitioner', 'Limiting retries for the idempotent producer'];
/** The connected client handle that adapters/kafka/ functions take; only this folder sees kafkajs. */
export type KafkaClient = Kafka;

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
}

export interface KafkaLogSink {
  debug?(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function createKafka(connection: KafkaConnection, log?: KafkaLogSink): Kafka {
  if (connection.brokers.length === 0) throw new Error('kafka: at least one broker address is required (KAFKA_BROKERS)');
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5_000 },
    // kafkajs logs every reconnect at ERROR; we surface only what an operator can act on.
    logLevel: log ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      if (!log || IGNORED_WARNINGS.some((w) => entry.log.message.startsWith(w))) return;
      const { message, ...rest } = entry.log;
      const fields = { kafka: entry.namespace, ...rest };
      if (isTransientResponseError(entry.log)) log.debug?.(fields, message);
      else if (entry.level === logLevel.ERROR) log.error(fields, message);
      else log.warn(fields, message);
    },
  });
}
