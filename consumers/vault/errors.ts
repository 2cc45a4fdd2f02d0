// Errors of the vault opener's reads (STYLE.md §10): match on `code`, never on message text.
// A malformed read is the caller's bug, not an outcome of opening a secret, so it is deliberately
// not an OpenerError (secret-opener.ts): turn.ts turns OpenerErrors into NO_PROVIDER_KEY replies,
// and a bug must instead fail the batch. The code is the one the read-model layer used before the
// readers moved here; tests and callers match on it.

export type SecretsReaderErrorCode = 'INVALID_OPTION'; // a malformed tenant id or purpose

export class SecretsReaderError extends Error {
  readonly code: SecretsReaderErrorCode;
  readonly retriable = false;

  constructor(code: SecretsReaderErrorCode, message: string) {
    super(message);
    this.name = 'SecretsReaderError';
    this.code = code;
  }
}
