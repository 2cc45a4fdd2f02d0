// One typed options object for the anchorer, validated at start (STYLE.md §11).
// deploy/config/anchors.ts reads it from the environment.
import type { KafkaEndpoint } from '../../adapters/kafka/client.ts';
import type { AnchorStoreOptions } from '../../adapters/storage/store-options.ts';
import { AnchorerError } from './errors.ts';

export interface AnchorerOptions {
  /** The brokers and the anchorer principal's login. */
  readonly kafka: KafkaEndpoint;
  readonly databaseUrl: string;
  readonly eventsTopic: string;
  readonly anchorsTopic: string;
  readonly groupId: string;
  /** How often changed tenants are checkpointed. */
  readonly intervalMs: number;
  /** The anchor's C2SP origin line and signing key name. */
  readonly origin: string;
  /** Ed25519 key file (crypto/key-file.ts format). */
  readonly keyFile: string;
  readonly store: AnchorStoreOptions;
  readonly sessionTimeoutMs: number;
  /** How often released quarantines are looked for (ms; default 2000). */
  readonly releasePollMs?: number;
}

export const DEFAULT_ANCHOR_INTERVAL_MS = 60 * 60 * 1000;
export const DEFAULT_ANCHOR_ORIGIN = 'palisade/anchors';
export const MIN_ANCHOR_INTERVAL_MS = 100;
export const MAX_ANCHOR_INTERVAL_MS = 7 * 24 * 3_600_000;

export function validateAnchorerOptions(options: AnchorerOptions): AnchorerOptions {
  const invalid = (option: string, problem: string) => new AnchorerError('INVALID_OPTIONS', `anchorer option ${option}: ${problem}`);
  if (options.kafka.brokers.length === 0) throw invalid('kafka', 'at least one broker is required (set KAFKA_BROKERS or run `palisade stack up`)');
  if (!options.databaseUrl) throw invalid('databaseUrl', 'required (set DATABASE_URL or run `palisade stack up`)');
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(options.groupId)) throw invalid('groupId', 'use letters, digits, ".", "_" or "-"');
  if (!Number.isInteger(options.intervalMs) || options.intervalMs < MIN_ANCHOR_INTERVAL_MS) throw invalid('intervalMs', `at least ${MIN_ANCHOR_INTERVAL_MS} ms`);
  if (!/^[^\s+]+$/u.test(options.origin)) throw invalid('origin (PALISADE_ANCHOR_ORIGIN)', 'non-empty, without spaces or "+", e.g. example.com/palisade/anchors');
  return options;
}
