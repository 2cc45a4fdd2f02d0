// Structured logs (pino) that never carry a secret: values under the keys below are replaced by
// '[redacted]' at the top level and up to two objects deep. JSON for machines; on a terminal,
// the same lines rendered for people by pino-pretty (redaction happens before either).
import { pino } from 'pino';
import PinoPretty from 'pino-pretty';
import type { DestinationStream, LevelWithSilent, Logger } from 'pino';

export type { Logger } from 'pino';

/** pino's levels; `silent` logs nothing. */
export type LogLevel = LevelWithSilent;

/** `json`: one JSON object per line; `pretty`: coloured, human-readable lines (for a terminal). */
export type LogFormat = 'json' | 'pretty';

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
  /** `json` by default. */
  readonly format?: LogFormat;
  /** Where lines go; stdout by default (tests pass a stream to inspect). */
  readonly destination?: DestinationStream;
}

/** Human-readable lines, written synchronously so nothing is lost when the process exits. */
function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  return PinoPretty({
    sync: true,
    colorize: destination === undefined,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name,service',
    singleLine: true,
    messageFormat: '{if service}[{service}] {end}{msg}',
    ...(destination === undefined ? {} : { destination }),
  });
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: REDACTION_CENSOR },
  };
  if (options.format === 'pretty') return pino(settings, prettyStream(options.destination));
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
