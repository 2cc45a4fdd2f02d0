// One typed options object for the processor, validated at start (STYLE.md §11).
import type { KafkaEndpoint } from '../../adapters/kafka/client.ts';
import type { Kek } from '../../crypto/vault/key-wrap.ts';
import { ProcessorOptionError } from './errors.ts';

export interface Topics {
  readonly commands: string;
  readonly events: string;
  readonly results: string;
  readonly deadLetter: string;
}

export interface ProcessorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ProcessorOptions {
  /** The brokers and the processor principal's login. */
  readonly kafka: KafkaEndpoint;
  readonly topics: Topics;
  /** Consumer group; also the prefix of the per-partition transactional ids. */
  readonly groupId: string;
  readonly databaseUrl: string;
  readonly maxCommandBytes: number;
  readonly maxCommandAgeMs: number;
  readonly maxClockSkewMs: number;
  readonly keyRefreshMs: number;
  readonly maxAttempts: number;
  readonly sessionTimeoutMs: number;
  /** No batch progress for this long while commands wait: the consumer is replaced. */
  readonly stallTimeoutMs: number;
  /**
   * The master key (deploy/config/master-key.ts). Without it the processor refuses every command that
   * carries a secret (VAULT_NOT_CONFIGURED) and shreds no keys; `palisade processor` and
   * `npm start` always pass one (they refuse to start without).
   */
  readonly masterKey?: Kek;
  /**
   * PALISADE_LEGACY_SECRET: legacy imports are decrypted with it at intake and sealed like any
   * secret (without it they are refused LEGACY_SECRET_MISSING). Never logged.
   */
  readonly legacySecret?: string;
}

export const PROCESSOR_DEFAULTS = {
  groupId: 'palisade-processor',
  // Room for a chat reply (MAX_REPLY_BYTES of content sealed to intake, base64url) plus the envelope.
  maxCommandBytes: 128 * 1024,
  // Six days: inside the 7-day retention of commands and results, so every command that can
  // still be delivered or replayed is inside the idempotency window.
  maxCommandAgeMs: 6 * 24 * 3600 * 1000,
  maxClockSkewMs: 5 * 60 * 1000,
  keyRefreshMs: 5_000,
  maxAttempts: 8,
  sessionTimeoutMs: 30_000,
  stallTimeoutMs: 45_000,
} as const;

export function validateProcessorOptions(options: ProcessorOptions): ProcessorOptions {
  if (options.kafka.brokers.length === 0) throw new ProcessorOptionError('kafka', 'at least one broker is required (set KAFKA_BROKERS or run `palisade stack up`)');
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(options.groupId)) throw new ProcessorOptionError('groupId', 'use letters, digits, ".", "_" or "-"');
  if (!options.databaseUrl) throw new ProcessorOptionError('databaseUrl', 'required (set DATABASE_URL or run `palisade stack up`)');
  for (const name of ['maxCommandBytes', 'maxCommandAgeMs', 'maxClockSkewMs', 'keyRefreshMs', 'maxAttempts', 'sessionTimeoutMs', 'stallTimeoutMs'] as const) {
    const value = options[name];
    if (!Number.isInteger(value) || value <= 0) throw new ProcessorOptionError(name, `must be a positive integer, got ${value}`);
  }
  return options;
}
