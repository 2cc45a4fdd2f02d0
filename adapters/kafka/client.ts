// The one place that constructs kafkajs clients. kafkajs is unmaintained since 2023 and has
// known EOS bugs, so everything Kafka goes through adapters/kafka/ (adapters/kafka/README.md),
// which keeps it swappable for another client.
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { isTransientResponseError } from './log-filter.ts';

// Advice for kafkajs users that does not apply here: we never use its default partitioner for
// tenants without checking (adapters/kafka/partitioner.ts), and bounded producer retries are deliberate
// (a stuck send is caught by the transactional writer's watchdog instead).
const IGNORED_WARNINGS = ['KafkaJS v2.0.0 switched default partitioner', 'Limiting retries for the idempotent producer'];
/** The connected client handle that adapters/kafka/ functions take; only this folder sees kafkajs. */
export type KafkaClient = Kafka;

/** A SASL mechanism a Palisade client speaks (the local stack uses scram-sha-512). */
export type KafkaSaslMechanism = 'scram-sha-512' | 'scram-sha-256' | 'plain';
export const KAFKA_SASL_MECHANISMS: readonly KafkaSaslMechanism[] = ['scram-sha-512', 'scram-sha-256', 'plain'];

/** One principal's SASL login. */
export interface KafkaCredentials {
  readonly mechanism: KafkaSaslMechanism;
  readonly username: string;
  readonly password: string;
}

/**
 * Where a cluster is and who this client is there: the brokers, the principal's SASL login
 * (absent only for a cluster without authentication) and TLS (absent: plaintext; `ca`: trust
 * that PEM bundle instead of the system's).
 */
export interface KafkaEndpoint {
  readonly brokers: readonly string[];
  readonly credentials?: KafkaCredentials | undefined;
  readonly tls?: { readonly ca?: string | undefined } | undefined;
}

export interface KafkaConnection extends KafkaEndpoint {
  readonly clientId: string;
}

export interface KafkaLogSink {
  debug?(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The security part of a kafkajs configuration (SASL and TLS) for `endpoint`. */
export function securityConfig(endpoint: KafkaEndpoint): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  const { credentials, tls } = endpoint;
  return {
    ...(credentials === undefined ? {} : { sasl: { mechanism: credentials.mechanism, username: credentials.username, password: credentials.password } }),
    ...(tls === undefined ? {} : { ssl: tls.ca === undefined ? true : { ca: [tls.ca] } }),
  } as Pick<KafkaConfig, 'sasl' | 'ssl'>;
}

export function createKafka(connection: KafkaConnection, log?: KafkaLogSink): Kafka {
  if (connection.brokers.length === 0) throw new Error('kafka: at least one broker address is required (KAFKA_BROKERS)');
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    ...securityConfig(connection),
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
