// Parsers for environment values. Each returns the typed value or throws a ConfigError that
// names the variable and shows a valid example. An empty string counts as unset.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogFormat, LogLevel } from '../../adapters/logger.ts';
import { databaseNameOf } from '../../adapters/postgres/database.ts';
import { ConfigError } from './errors.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** The repository root (this file is deploy/config/env.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

export const DEFAULT_KAFKA_PORT = 9092;
export const DEFAULT_PG_PORT = 54329;
export const DEFAULT_PARTITIONS = 6;
export const DEFAULT_DATABASE_NAME = 'palisade';
/** Superuser password of the embedded dev server; it listens on 127.0.0.1 only. */
export const EMBEDDED_PG_PASSWORD = 'palisade';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The value of `name`, or undefined when unset or empty. */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value.length === 0 ? undefined : value;
}

/** PALISADE_LEGACY_SECRET: the replaced system's secret, for the processor (imports) and the chat worker (re-seals). */
export function legacySecretOption(env: Env): { readonly legacySecret?: string } {
  const legacySecret = envValue(env, 'PALISADE_LEGACY_SECRET');
  return legacySecret === undefined ? {} : { legacySecret };
}

/** This process's environment with `overrides`, for a child process (its tools read the rest). */
export function childEnvironment(overrides: Env): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}

/** PALISADE_DATA_DIR (relative to the working directory) or `<repo>/.palisade`. */
export function resolveDataDir(env: Env = process.env): string {
  const value = envValue(env, 'PALISADE_DATA_DIR');
  if (value === undefined) return resolve(REPO_ROOT, '.palisade');
  return isAbsolute(value) ? value : resolve(process.cwd(), value);
}

function parseInteger(name: string, value: string, min: number, max: number, example: string): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `is "${value}", not a whole number`, `set it like ${name}=${example}`);
  const n = Number(value);
  if (n < min || n > max)
    throw new ConfigError(name, `is ${n}, outside ${min}..${max}`, `set it like ${name}=${example}`);
  return n;
}

/** A whole number within min..max, or `fallback` when unset. */
export function parseIntegerVariable(env: Env, name: string, range: { min: number; max: number }, fallback: number): number {
  const value = envValue(env, name);
  if (value === undefined) return fallback;
  return parseInteger(name, value, range.min, range.max, String(fallback));
}

/** A TCP port; `reserveNext` keeps room for port+1 (the Kafka controller listener). */
export function parsePort(env: Env, name: string, fallback: number, reserveNext = false): number {
  const value = envValue(env, name);
  if (value === undefined) return fallback;
  return parseInteger(name, value, 1024, reserveNext ? 65534 : 65535, String(fallback));
}

/** PALISADE_PARTITIONS, or undefined when unset. */
export function parsePartitions(env: Env): number | undefined {
  const value = envValue(env, 'PALISADE_PARTITIONS');
  if (value === undefined) return undefined;
  return parseInteger('PALISADE_PARTITIONS', value, 1, 1024, String(DEFAULT_PARTITIONS));
}

/** Topic prefix: Kafka's legal topic characters, short enough to leave room for the names. */
export function parseTopicPrefix(env: Env): string | undefined {
  const value = env['PALISADE_TOPIC_PREFIX'];
  if (value === undefined || value === '') return undefined;
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(value))
    throw new ConfigError(
      'PALISADE_TOPIC_PREFIX',
      `is "${value}"`,
      'use at most 100 of the characters A-Z a-z 0-9 . _ - (e.g. PALISADE_TOPIC_PREFIX=staging.)',
    );
  return value;
}

/** KAFKA_BROKERS: comma-separated host:port list. */
export function parseBrokers(env: Env): string[] | undefined {
  const value = envValue(env, 'KAFKA_BROKERS');
  if (value === undefined) return undefined;
  const brokers = value.split(',').map((entry) => entry.trim());
  for (const broker of brokers) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(broker);
    const port = match?.[2] === undefined ? 0 : Number(match[2]);
    if (match === null || port < 1 || port > 65535)
      throw new ConfigError(
        'KAFKA_BROKERS',
        `has "${broker}", not host:port`,
        'set it like KAFKA_BROKERS=127.0.0.1:9092,127.0.0.1:9094',
      );
  }
  return brokers;
}

/** DATABASE_URL: a postgres:// or postgresql:// URL naming a database. */
export function parseDatabaseUrl(env: Env): string | undefined {
  const value = envValue(env, 'DATABASE_URL');
  if (value === undefined) return undefined;
  const example = 'set it like DATABASE_URL=postgres://user:password@127.0.0.1:5432/palisade';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a URL', example);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new ConfigError('DATABASE_URL', `has scheme "${url.protocol}"`, example);
  if (databaseNameOf(value) === undefined) throw new ConfigError('DATABASE_URL', 'names no database', example);
  return value;
}

export function parseLogLevel(env: Env, fallback: LogLevel): LogLevel {
  const value = envValue(env, 'PALISADE_LOG_LEVEL');
  if (value === undefined) return fallback;
  const level = LOG_LEVELS.find((candidate) => candidate === value.toLowerCase());
  if (level === undefined)
    throw new ConfigError('PALISADE_LOG_LEVEL', `is "${value}"`, `use one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/**
 * PALISADE_LOG_FORMAT: `json`, `pretty`, or `auto` (the default): pretty lines for a person at a
 * terminal, JSON for anything that collects logs.
 */
export function parseLogFormat(env: Env, stdoutIsTty: boolean): LogFormat {
  const value = (envValue(env, 'PALISADE_LOG_FORMAT') ?? 'auto').toLowerCase();
  if (value === 'json' || value === 'pretty') return value;
  if (value === 'auto') return stdoutIsTty ? 'pretty' : 'json';
  throw new ConfigError('PALISADE_LOG_FORMAT', `is "${value}"`, 'use json, pretty or auto');
}

/** The URL of the embedded dev server on `port`. */
export function embeddedDatabaseUrl(port: number, database = DEFAULT_DATABASE_NAME): string {
  return `postgres://postgres:${EMBEDDED_PG_PASSWORD}@127.0.0.1:${port}/${database}`;
}
