// Errors of the chain layer (STYLE.md §10): match on `code`, never on message text.

export type ChainErrorCode =
  /** The value has no RFC 8785 form: NaN, Infinity, a lone surrogate, a cycle, undefined. */
  'NOT_CANONICALIZABLE';

export class ChainError extends Error {
  readonly code: ChainErrorCode;

  constructor(code: ChainErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChainError';
    this.code = code;
  }
}
