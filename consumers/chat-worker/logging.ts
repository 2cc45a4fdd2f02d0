// What the chat worker's log lines may carry: ids, reason codes, counts and error names/codes.
// Never a key, a prompt, a reply, a memory, an error message or a provider's body.
import type { ChatLogger } from './provider.ts';

export interface ChatWorkerLogger extends ChatLogger {
  error(obj: object, msg: string): void;
}

/** Sanitised error fields for a log line: the class and the code, never the message. */
export function errorFields(error: unknown): { errorName: string; code?: string } {
  const name = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? { errorName: name, code } : { errorName: name };
}
