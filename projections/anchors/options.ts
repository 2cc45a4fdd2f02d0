// One typed options object for the anchorer, validated at start (STYLE.md §11).
//   PALISADE_ANCHOR_INTERVAL   how often changed tenants are checkpointed: "3600" (seconds),
//                              "90s", "15m", "1h", "500ms"; default 1 h
//   PALISADE_ANCHOR_ORIGIN     the anchor's C2SP origin line and signing key name; default palisade/anchors
//   PALISADE_ANCHOR_KEY_FILE   Ed25519 key file (default <data dir>/keys/anchor.json)
//   and the store variables of storage/store-options.ts.
import type { AppConfig } from '../../deploy/config/config.ts';
import type { Env } from '../../deploy/config/env.ts';
import { envValue } from '../../deploy/config/env.ts';
import { ConfigError } from '../../deploy/config/errors.ts';
import { topicNames } from '../../adapters/kafka/topics.ts';
import { anchorStoreOptionsFromEnv, type AnchorStoreOptions } from '../../adapters/storage/store-options.ts';
import { anchorKeyFile } from '../../crypto/anchor-key.ts';
import { AnchorerError } from './errors.ts';

export interface AnchorerOptions {
  readonly brokers: readonly string[];
  readonly databaseUrl: string;
  readonly eventsTopic: string;
  readonly anchorsTopic: string;
  readonly groupId: string;
  readonly intervalMs: number;
  readonly origin: string;
  readonly keyFile: string;
  readonly store: AnchorStoreOptions;
  readonly sessionTimeoutMs: number;
}

export const DEFAULT_ANCHOR_INTERVAL_MS = 60 * 60 * 1000;
export const DEFAULT_ANCHOR_ORIGIN = 'palisade/anchors';
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 7 * 24 * 3_600_000;

export function anchorerOptionsFromConfig(config: AppConfig, env: Env = process.env): AnchorerOptions {
  const topics = topicNames(config.topicPrefix);
  return validateAnchorerOptions({
    brokers: config.kafka.brokers,
    databaseUrl: config.databaseUrl,
    eventsTopic: topics.events,
    anchorsTopic: topics.anchors,
    groupId: `${config.topicPrefix}palisade-anchorer`,
    intervalMs: parseInterval(envValue(env, 'PALISADE_ANCHOR_INTERVAL')),
    origin: anchorOrigin(env),
    keyFile: anchorKeyFile(env, config.dataDir),
    store: anchorStoreOptionsFromEnv(env, config.dataDir),
    sessionTimeoutMs: config.sessionTimeoutMs,
  });
}

export function anchorOrigin(env: Env): string {
  return envValue(env, 'PALISADE_ANCHOR_ORIGIN') ?? DEFAULT_ANCHOR_ORIGIN;
}

/** "3600" | "90s" | "15m" | "1h" | "500ms" → milliseconds; undefined → 1 h. */
export function parseInterval(value: string | undefined): number {
  if (value === undefined) return DEFAULT_ANCHOR_INTERVAL_MS;
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value);
  const ms = match === null ? Number.NaN : Number(match[1]) * UNIT_MS[match[2] ?? 's']!;
  if (!(ms >= MIN_INTERVAL_MS && ms <= MAX_INTERVAL_MS)) {
    throw new ConfigError('PALISADE_ANCHOR_INTERVAL', `is "${value}"`, 'use seconds or a unit, between 100ms and 168h, e.g. PALISADE_ANCHOR_INTERVAL=1h or =30s');
  }
  return ms;
}

export function validateAnchorerOptions(options: AnchorerOptions): AnchorerOptions {
  const invalid = (option: string, problem: string) => new AnchorerError('INVALID_OPTIONS', `anchorer option ${option}: ${problem}`);
  if (options.brokers.length === 0) throw invalid('brokers', 'at least one broker is required (set KAFKA_BROKERS or run `palisade stack up`)');
  if (!options.databaseUrl) throw invalid('databaseUrl', 'required (set DATABASE_URL or run `palisade stack up`)');
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(options.groupId)) throw invalid('groupId', 'use letters, digits, ".", "_" or "-"');
  if (!Number.isInteger(options.intervalMs) || options.intervalMs < MIN_INTERVAL_MS) throw invalid('intervalMs', `at least ${MIN_INTERVAL_MS} ms`);
  if (!/^[^\s+]+$/u.test(options.origin)) throw invalid('origin (PALISADE_ANCHOR_ORIGIN)', 'non-empty, without spaces or "+", e.g. example.com/palisade/anchors');
  return options;
}
