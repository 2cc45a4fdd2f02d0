// The anchorer's options and what an audit needs of the anchors, from the environment
// (validated at start, STYLE.md §11): PALISADE_ANCHOR_INTERVAL, PALISADE_ANCHOR_ORIGIN,
// PALISADE_ANCHOR_KEY_FILE, PALISADE_ANCHOR_VERIFIER_KEY and the store variables of
// anchor-store.ts (README.md's table says what each means and its default).
import { kafkaEndpoint } from './kafka.ts';
import { join } from 'node:path';
import { topicNames } from '../../adapters/kafka/topics.ts';
import type { AnchorStoreOptions } from '../../adapters/storage/store-options.ts';
import {
  DEFAULT_ANCHOR_INTERVAL_MS,
  DEFAULT_ANCHOR_ORIGIN,
  MAX_ANCHOR_INTERVAL_MS,
  MIN_ANCHOR_INTERVAL_MS,
  validateAnchorerOptions,
  type AnchorerOptions,
} from '../../projections/anchors/options.ts';
import { anchorStoreOptionsFromEnv } from './anchor-store.ts';
import type { AppConfig } from './config.ts';
import { envValue, type Env } from './env.ts';
import { ConfigError } from './errors.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function anchorerOptions(config: AppConfig, env: Env = process.env): AnchorerOptions {
  const topics = topicNames(config.topicPrefix);
  return validateAnchorerOptions({
    kafka: kafkaEndpoint(config, 'anchorer'),
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

/** What a live audit (`palisade audit …`) needs of the anchors. */
export interface AnchorAuditOptions {
  /** Where the anchors are, to compare them with immutable storage. */
  readonly store: AnchorStoreOptions;
  /** The deployment's anchor key file: its .pub beside it is trusted when no key is pinned. */
  readonly keyFile: string;
  readonly origin: string;
  /** PALISADE_ANCHOR_VERIFIER_KEY, when set. */
  readonly pinnedVerifierKey: string | undefined;
}

export function anchorAuditOptions(config: Pick<AppConfig, 'dataDir'>, env: Env = process.env): AnchorAuditOptions {
  return {
    store: anchorStoreOptionsFromEnv(env, config.dataDir),
    keyFile: anchorKeyFile(env, config.dataDir),
    origin: anchorOrigin(env),
    pinnedVerifierKey: envValue(env, 'PALISADE_ANCHOR_VERIFIER_KEY'),
  };
}

export function anchorOrigin(env: Env): string {
  return envValue(env, 'PALISADE_ANCHOR_ORIGIN') ?? DEFAULT_ANCHOR_ORIGIN;
}

/** Where `palisade stack up` makes the local anchor key when the environment names none. */
export function defaultAnchorKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', 'anchor.json');
}

/** PALISADE_ANCHOR_KEY_FILE, when set. */
export function anchorKeyFileVariable(env: Env): string | undefined {
  return envValue(env, 'PALISADE_ANCHOR_KEY_FILE');
}

export function anchorKeyFile(env: Env, dataDir: string): string {
  return anchorKeyFileVariable(env) ?? defaultAnchorKeyFile(dataDir);
}

/** "3600" | "90s" | "15m" | "1h" | "500ms" → milliseconds; undefined → 1 h. */
export function parseInterval(value: string | undefined): number {
  if (value === undefined) return DEFAULT_ANCHOR_INTERVAL_MS;
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value);
  const ms = match === null ? Number.NaN : Number(match[1]) * UNIT_MS[match[2] ?? 's']!;
  if (!(ms >= MIN_ANCHOR_INTERVAL_MS && ms <= MAX_ANCHOR_INTERVAL_MS)) {
    throw new ConfigError('PALISADE_ANCHOR_INTERVAL', `is "${value}"`, 'use seconds or a unit, between 100ms and 168h, e.g. PALISADE_ANCHOR_INTERVAL=1h or =30s');
  }
  return ms;
}
