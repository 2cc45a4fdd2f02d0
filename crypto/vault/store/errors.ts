// Errors of the key store (STYLE.md §10): match on `code`, never on message text. Messages
// name what was wrong (an argument, a count, a key's public fingerprint) and never contain key
// bytes, wrapped keys or secrets.
import { PalisadeError } from '../../../domain/error-base.ts';

export type KeyStoreErrorCode =
  | 'INVALID_ARGUMENT' // a tenant id, user id, kid, kv or option of the wrong form
  | 'OWNER_DESTROYED' // the user or tenant was erased: no DEK is ever created for it again
  | 'VERSION_DESTROYED' // this DEK version was destroyed: it is never created again
  | 'ROW_MALFORMED' // a vault row that is not a valid wrapped key (edited by hand, or corrupt)
  | 'KEK_MISMATCH' // a wrapped intake key names another master key than the one given
  | 'UNWRAP_FAILED' // a wrapped intake key does not authenticate under this master key
  | 'UNKNOWN_KEK' // rotation met a row wrapped by neither the old nor the new master key
  | 'SAME_KEK' // rotation to the master key already in use
  | 'ROTATION_INCOMPLETE'; // after rotation, rows are still wrapped by another master key

export class KeyStoreError extends PalisadeError<KeyStoreErrorCode> {
  readonly code: KeyStoreErrorCode;
  readonly retriable: boolean;

  constructor(code: KeyStoreErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeyStoreError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}
