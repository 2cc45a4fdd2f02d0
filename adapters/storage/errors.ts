// Errors of immutable anchor storage (STYLE.md §10): `retriable` says whether trying the same
// call again can help; match on `code`.
import { PalisadeError } from '../../domain/error-base.ts';

export type AnchorStoreErrorCode =
  | 'INVALID_OPTIONS' // a bad store option (names the variable to fix)
  | 'OBJECT_LOCK_DISABLED' // the S3 bucket has no Object Lock: refusing to publish where anchors could be deleted
  | 'CONFLICT' // the key already holds other bytes: never overwritten
  | 'UNAVAILABLE'; // the store did not answer (network, permissions, disk)

export class AnchorStoreError extends PalisadeError<AnchorStoreErrorCode> {
  readonly code: AnchorStoreErrorCode;
  readonly retriable: boolean;

  constructor(code: AnchorStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AnchorStoreError';
    this.code = code;
    this.retriable = code === 'UNAVAILABLE';
  }
}
