// Errors of the vault opener and its reads (STYLE.md §10): match on `code`, never on message
// text. Messages say what was wrong, never the secret or its ciphertext. None is retriable: the
// secret is gone, destroyed or unreadable, the legacy secret is not configured, or a read was
// malformed.
import { PalisadeError } from '../../domain/error-base.ts';

export type OpenerErrorCode = 'SECRET_NOT_FOUND' | 'SECRET_DESTROYED' | 'SECRET_UNREADABLE' | 'LEGACY_SECRET_MISSING';

export class OpenerError extends PalisadeError<OpenerErrorCode> {
  readonly code: OpenerErrorCode;
  readonly retriable = false;
  constructor(code: OpenerErrorCode, message: string) {
    super(message);
    this.name = 'OpenerError';
    this.code = code;
  }
}

// A malformed read is the caller's bug, not an outcome of opening a secret, so it is deliberately
// not an OpenerError: turn.ts turns OpenerErrors into NO_PROVIDER_KEY replies, and a bug must
// instead fail the batch. The code is the one the read-model layer used before the readers moved
// here; tests and callers match on it.
export type SecretsReaderErrorCode = 'INVALID_OPTION'; // a malformed tenant id or purpose

export class SecretsReaderError extends PalisadeError<SecretsReaderErrorCode> {
  readonly code: SecretsReaderErrorCode;
  readonly retriable = false;

  constructor(code: SecretsReaderErrorCode, message: string) {
    super(message);
    this.name = 'SecretsReaderError';
    this.code = code;
  }
}
