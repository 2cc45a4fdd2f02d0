// Errors of the anchorer (STYLE.md §10): match on `code`. None is retriable in place: the
// anchorer stops (fail-stop) and a restart resumes from the state committed in Postgres.
import { PalisadeError } from '../../domain/error-base.ts';

export type AnchorerErrorCode =
  | 'INVALID_OPTIONS' // names the option or variable to fix
  | 'NO_SIGNING_KEY' // no anchor key file where configured
  | 'ALREADY_RUNNING' // another anchorer holds the lock on this database
  | 'INCONSISTENT_TREE' // a checkpoint would not extend the previous one: refusing to anchor it
  | 'STATE_CORRUPT' // stored resume state that does not add up (a compact range with another root)
  | 'STORE_MISMATCH'; // a pending anchor was recorded for another store than the configured one

export class AnchorerError extends PalisadeError<AnchorerErrorCode> {
  readonly code: AnchorerErrorCode;
  readonly retriable = false;

  constructor(code: AnchorerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AnchorerError';
    this.code = code;
  }
}
