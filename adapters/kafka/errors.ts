// Infrastructure errors of the Kafka edge (STYLE.md §10): they carry `retriable` and `cause`;
// callers match on the class or `kind` (= `code`), never on message text.
import { PalisadeError } from '../../domain/error-base.ts';

export type KafkaFailureKind =
  /** Another writer took over this transactional id: stop writing, rebuild before any retry. */
  | 'fenced'
  /** kafkajs does not retry CONCURRENT_TRANSACTIONS (kafkajs #430, #1315, #1068): abort and retry the batch. */
  | 'concurrent-transactions'
  /** Transient (connection, coordinator moved, timeout): abort and retry the batch. */
  | 'retriable'
  /** Outcome unknown or client state broken: recreate the producer and rebuild from the log. */
  | 'fatal';

export class KafkaEdgeError extends PalisadeError<KafkaFailureKind> {
  readonly code: KafkaFailureKind;
  /** What the caller must do; the same as `code` (the edge matched on `kind` before errors had codes). */
  readonly kind: KafkaFailureKind;
  readonly retriable: boolean;
  constructor(message: string, kind: KafkaFailureKind, cause?: unknown) {
    super(message, { cause });
    this.name = 'KafkaEdgeError';
    this.code = kind;
    this.kind = kind;
    this.retriable = kind !== 'fenced' && kind !== 'fatal';
  }
}

export type TopicSetupErrorCode = 'INVALID_SPEC' | 'PARTITION_MISMATCH' | 'CONFIG_MISMATCH';

/** An existing topic differs from its spec (or a spec is invalid). Not retriable: fix and rerun. */
export class TopicSetupError extends PalisadeError<TopicSetupErrorCode> {
  readonly code: TopicSetupErrorCode;
  readonly topic: string;
  readonly retriable = false;

  constructor(code: TopicSetupErrorCode, topic: string, message: string) {
    super(message);
    this.name = 'TopicSetupError';
    this.code = code;
    this.topic = topic;
  }
}

const FENCING_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'INVALID_PRODUCER_ID_MAPPING']);

/** Classifies whatever kafkajs threw; walks `cause` chains since kafkajs wraps retried errors. */
export function classifyKafkaError(error: unknown): KafkaFailureKind {
  for (let e: unknown = error, depth = 0; e && depth < 6; depth++) {
    const { type, retriable, name, originalError, cause } = e as {
      type?: string; retriable?: boolean; name?: string; originalError?: unknown; cause?: unknown;
    };
    if (type && FENCING_TYPES.has(type)) return 'fenced';
    if (type === 'CONCURRENT_TRANSACTIONS') return 'concurrent-transactions';
    if (name === 'KafkaJSNumberOfRetriesExceeded' || name === 'KafkaJSNonRetriableError' || name === 'KafkaJSConnectionError' || name === 'KafkaJSConnectionClosedError' || name === 'KafkaJSRequestTimeoutError') {
      e = originalError ?? cause;
      if (!e) return retriable === false && name === 'KafkaJSNonRetriableError' ? 'fatal' : 'retriable';
      continue;
    }
    if (retriable === true) return 'retriable';
    e = originalError ?? cause;
    if (!e) return 'fatal';
  }
  return 'fatal';
}

export function toKafkaEdgeError(error: unknown, what: string): KafkaEdgeError {
  if (error instanceof KafkaEdgeError) return error;
  const kind = classifyKafkaError(error);
  const detail = error instanceof Error ? error.message : String(error);
  return new KafkaEdgeError(`${what}: ${detail}`, kind, error);
}
