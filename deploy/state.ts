// `.palisade/stack.json`: what `palisade stack up` started, so `stack down` stops exactly that
// and `loadConfig()` can find the brokers and the database without any environment.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.ts';
import type { KafkaSaslMechanism } from '../adapters/kafka/client.ts';

export interface LocalKafkaState {
  readonly mode: 'local';
  /** The broker pid when up last started or checked it (the pid file in adapters/kafka/ is authoritative). */
  readonly pid: number;
  readonly port: number;
  readonly controllerPort: number;
  readonly brokers: readonly string[];
  readonly logFile: string;
  /** The client listener's SASL mechanism (absent: a broker from before authentication). */
  readonly saslMechanism?: KafkaSaslMechanism;
}

export interface EmbeddedPostgresState {
  readonly mode: 'embedded';
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly logFile: string;
}

export interface ExternalPostgresState {
  readonly mode: 'external';
  /** From DATABASE_URL when up ran; never stopped by `stack down`. */
  readonly url: string;
}

export type PostgresState = EmbeddedPostgresState | ExternalPostgresState;

export interface StackState {
  readonly version: 1;
  readonly dataDir: string;
  readonly topicPrefix: string;
  readonly partitions: number;
  readonly kafka?: LocalKafkaState;
  readonly postgres?: PostgresState;
  readonly updatedAt: string;
}

export function stackStatePath(dataDir: string): string {
  return join(dataDir, 'stack.json');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(file: string, what: string): StackError {
  return new StackError(
    'STATE_INVALID',
    `${file} is invalid (${what}); stop what it started with \`palisade stack down\` or delete the file`,
  );
}

/** The recorded stack, or undefined when there is none. Throws STATE_INVALID on a corrupt file. */
export function readStackState(dataDir: string): StackState | undefined {
  const file = stackStatePath(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StackError('STATE_INVALID', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(file, `not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(parsed) || parsed['version'] !== 1) throw invalid(file, 'unknown version');
  if (typeof parsed['topicPrefix'] !== 'string') throw invalid(file, 'topicPrefix');
  if (typeof parsed['partitions'] !== 'number') throw invalid(file, 'partitions');
  const kafka = parsed['kafka'];
  if (kafka !== undefined) {
    if (!isRecord(kafka) || kafka['mode'] !== 'local' || typeof kafka['port'] !== 'number' || typeof kafka['pid'] !== 'number')
      throw invalid(file, 'kafka');
    if (!Array.isArray(kafka['brokers']) || !kafka['brokers'].every((b) => typeof b === 'string'))
      throw invalid(file, 'kafka.brokers');
  }
  const postgres = parsed['postgres'];
  if (postgres !== undefined) {
    if (!isRecord(postgres) || typeof postgres['url'] !== 'string') throw invalid(file, 'postgres');
    if (postgres['mode'] === 'embedded') {
      if (typeof postgres['pid'] !== 'number' || typeof postgres['port'] !== 'number') throw invalid(file, 'postgres');
    } else if (postgres['mode'] !== 'external') throw invalid(file, 'postgres.mode');
  }
  return parsed as unknown as StackState;
}

/** Replace the recorded stack atomically (write + rename). */
export function writeStackState(state: StackState): void {
  mkdirSync(state.dataDir, { recursive: true });
  const file = stackStatePath(state.dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function removeStackState(dataDir: string): void {
  rmSync(stackStatePath(dataDir), { force: true });
}
