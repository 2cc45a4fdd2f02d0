// Errors of the vault (STYLE.md §10): match on `code`, never on message text. Messages never
// contain plaintext, key material, ciphertext or the offending value — only what was wrong
// with it (its name, its expected form). None is retriable: the same input fails again.
import { PalisadeError } from '../../domain/error-base.ts';

export type VaultErrorCode =
  | 'SEALED_VALUE_MALFORMED' // not the documented sealed-value JSON (shape, version, encoding, lengths)
  | 'OPEN_FAILED' // authentication failed: wrong DEK, wrong binding, or a tampered n/ct/kid/kv
  | 'INVALID_BINDING' // a binding or key reference with an empty, over-long or ill-formed member
  | 'INVALID_KEY' // a DEK, KEK or intake key of the wrong length
  | 'PLAINTEXT_TOO_LARGE' // more than MAX_PLAINTEXT_BYTES to seal
  | 'MASTER_KEY_MISSING' // neither PALISADE_MASTER_KEY nor PALISADE_MASTER_KEY_FILE is set
  | 'MASTER_KEY_MALFORMED' // set, but not 64 hex digits (32 bytes)
  | 'MASTER_KEY_AMBIGUOUS' // both are set: refuse to guess which one is meant
  | 'WRAPPED_DEK_MALFORMED' // a wrapped DEK record with bad lengths or identity
  | 'KEK_MISMATCH' // the wrapped DEK names another KEK than the one given
  | 'UNWRAP_FAILED' // authentication failed: wrong KEK, wrong identity, or tampered bytes
  | 'INTAKE_MALFORMED' // an intake box too short, or whose opened content is not the framing
  | 'INTAKE_OPEN_FAILED' // the box does not open with this intake key pair
  | 'INTAKE_BINDING_MISMATCH' // the box opened but was sealed for another binding
  | 'LEGACY_MALFORMED' // not salt:iv:ciphertext hex with the documented lengths
  | 'LEGACY_DECRYPT_FAILED'; // bad padding: almost always the wrong legacy secret (see legacy.ts)

export class VaultError extends PalisadeError<VaultErrorCode> {
  readonly code: VaultErrorCode;
  readonly retriable = false;

  constructor(code: VaultErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VaultError';
    this.code = code;
  }
}
