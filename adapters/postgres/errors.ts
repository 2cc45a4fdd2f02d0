// Errors of the PostgreSQL adapter (STYLE.md §10): match on `code`, never on message text.
// None is retriable: a migration that failed or a database without its schema stays so until
// an operator acts (the message says what to run).
import { PalisadeError } from '../../domain/error-base.ts';

export type MigrationErrorCode =
  | 'INVALID_FILE' // a migration file misnamed, or two with one version
  | 'CHECKSUM_MISMATCH' // an applied migration's file was edited afterwards
  | 'UNKNOWN_APPLIED' // the database has a migration the code does not know
  | 'FAILED' // a migration's SQL failed: nothing of the run was applied
  | 'NOT_MIGRATED'; // the database lacks what a migration makes (the read-model roles): run `palisade migrate`

export class MigrationError extends PalisadeError<MigrationErrorCode> {
  readonly code: MigrationErrorCode;
  readonly retriable = false;

  constructor(code: MigrationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
    this.code = code;
  }
}
