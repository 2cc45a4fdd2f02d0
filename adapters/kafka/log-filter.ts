// kafkajs logs every failed response at ERROR, including the retriable protocol errors a healthy
// cluster answers while it starts or moves a coordinator ("The group coordinator is not
// available", "The coordinator is loading …", a leader not yet elected). kafkajs retries those
// itself, and one that persists surfaces as a thrown error from the operation, which the
// services log. So such lines are kept at debug: an operator sees no error on a normal start.
import { createRequire } from 'node:module';

interface ProtocolErrorCode {
  readonly retriable: boolean;
  readonly message: string;
}

// kafkajs's own table of protocol errors (not part of its typed API, hence require): the
// messages it puts in a failed response's `error` field.
const { errorCodes } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as { errorCodes: readonly ProtocolErrorCode[] };

const RETRIABLE_RESPONSE_ERRORS: ReadonlySet<string> = new Set(errorCodes.filter((e) => e.retriable).map((e) => e.message));

/** True for a kafkajs "Response …" log entry whose error kafkajs retries by itself. */
export function isTransientResponseError(entry: { readonly message: string; readonly error?: unknown }): boolean {
  return entry.message.startsWith('Response ') && typeof entry.error === 'string' && RETRIABLE_RESPONSE_ERRORS.has(entry.error);
}
