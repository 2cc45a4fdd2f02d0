// Errors of the auditor's tools (STYLE.md §10): match on the class or `code`. A chain or an
// anchor that does not verify is a result (a failure with its seq and what did not match), not
// an error; these are for what cannot be verified at all. None is retriable.
import { PalisadeError } from '../domain/error-base.ts';

/** A bundle that cannot be read at all (missing files, unknown format): not a verification result. */
export class BundleError extends PalisadeError<'BUNDLE_UNREADABLE'> {
  readonly code = 'BUNDLE_UNREADABLE';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** Not a verification failure: the event exists but no checkpoint covers it yet. */
export class NotAnchoredError extends PalisadeError<'NOT_ANCHORED'> {
  readonly code = 'NOT_ANCHORED';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'NotAnchoredError';
  }
}
