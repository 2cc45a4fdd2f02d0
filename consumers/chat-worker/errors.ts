// Errors of the chat worker (STYLE.md §10): match on `code`, never on message text. Messages
// name what was wrong (an argument, a count) and never contain keys, prompts, replies or memory
// text. A turn's *outcome* (a provider failure, no key) is not an error: it is a reply with a
// `failure` reason (turn.ts); these are for misuse and malformed input.
import { PalisadeError } from '../../domain/error-base.ts';

export type ChatWorkerErrorCode =
  | 'INVALID_ARGUMENT' // a tenant id, user id, memory id, key or option of the wrong form
  | 'INVALID_OPTION' // a malformed read of the chat content view (chat-content-reader.ts; the read-model layer's code)
  | 'NOT_A_TURN'; // an event that is not a well-formed ChatTurnRequested

export class ChatWorkerError extends PalisadeError<ChatWorkerErrorCode> {
  readonly code: ChatWorkerErrorCode;
  readonly retriable: boolean;

  constructor(code: ChatWorkerErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChatWorkerError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A read model did not reach the turn's record in time (read-models.ts): the batch is retried. */
export class ProjectionLagError extends PalisadeError<'READ_MODELS_BEHIND'> {
  readonly code = 'READ_MODELS_BEHIND';
  readonly retriable = true;
  constructor() {
    super('the read models did not reach the record in time');
    this.name = 'ProjectionLagError';
  }
}
