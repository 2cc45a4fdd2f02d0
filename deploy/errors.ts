// Errors of the local stack (STYLE.md §10): a stable `code` to match on, `retriable`, `cause`.
// Messages are one line and say what to do; the CLI prints them as they are.
import { PalisadeError } from '../domain/error-base.ts';

export type StackErrorCode =
  | 'MISSING_TOOL' // java / mvn not installed
  | 'JARS_FETCH_FAILED' // mvn could not fetch the Kafka jars
  | 'PORT_IN_USE' // a port the stack needs is taken by another process
  | 'ALREADY_RUNNING_ELSEWHERE' // a part is running with other settings than asked
  | 'START_FAILED' // a process exited during start
  | 'START_TIMEOUT' // a process did not become ready in time
  | 'STOP_FAILED' // a process survived SIGKILL
  | 'LOCKED' // another `stack up/down` holds the data dir lock
  | 'STATE_INVALID' // .palisade/stack.json is unreadable
  | 'NOT_RUNNING' // an operation needs a part that is not up
  | 'UNSUPPORTED_PLATFORM'
  | 'PERMISSION'; // the postgres user cannot reach the data dir

export class StackError extends PalisadeError<StackErrorCode> {
  readonly code: StackErrorCode;
  readonly retriable: boolean;

  constructor(code: StackErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options);
    this.name = 'StackError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** The message of any thrown value, on one line. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
