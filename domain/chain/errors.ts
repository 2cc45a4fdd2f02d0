// Errors of the chain layer (STYLE.md §10): match on `code`, never on message text.
import { PalisadeError } from '../error-base.ts';

export type ChainErrorCode =
  /** The value has no RFC 8785 form: NaN, Infinity, a lone surrogate, a cycle, undefined. */
  'NOT_CANONICALIZABLE';

export class ChainError extends PalisadeError<ChainErrorCode> {
  readonly code: ChainErrorCode;
  readonly retriable = false;

  constructor(code: ChainErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChainError';
    this.code = code;
  }
}
