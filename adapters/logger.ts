// Structured JSON logs (pino) that never carry a secret: values under the keys below are
// replaced by '[redacted]' at the top level and up to two objects deep.
import { pino } from 'pino';
import type { DestinationStream, LevelWithSilent, Logger } from 'pino';

export type { Logger } from 'pino';

/** pino's levels; `silent` logs nothing. */
export type LogLevel = LevelWithSilent;

/** Keys whose values never reach a log line. */
export const REDACTED_KEYS = [
  'secret',
  'password',
  'privateKey',
  'secretKey',
  'signature',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'authorization',
  'ciphertext',
] as const;

export const REDACT_PATHS: readonly string[] = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export const REDACTION_CENSOR = '[redacted]';

export interface LoggerOptions {
  /** Component name, logged as `name` on every line. */
  readonly name: string;
  readonly level?: LogLevel;
  /** Where lines go; stdout by default (tests pass a stream to inspect). */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: REDACTION_CENSOR },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
