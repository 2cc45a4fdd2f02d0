// Errors of the secret opener (STYLE.md §10): match on `code`, never on message text. Messages
// say what was wrong, never the secret or its ciphertext. None is retriable: the secret is gone,
// destroyed or unreadable, or the legacy secret is not configured.
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
