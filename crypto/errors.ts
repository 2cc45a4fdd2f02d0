// Errors of the crypto layer (STYLE.md §10): match on `code`, never on message text.
// Messages never contain key material.
import { PalisadeError } from '../domain/error-base.ts';

export type CryptoErrorCode =
  | 'INVALID_SECRET_KEY' // not a 64-byte libsodium Ed25519 secret key
  | 'INVALID_KEY_FILE' // unreadable, not the documented JSON, or its keys do not match
  | 'KEY_FILE_PERMISSIONS' // the key file is readable or writable by group or others
  | 'KEY_FILE_EXISTS' // refusing to overwrite an existing key file
  | 'INVALID_KEY_NAME' // a signed-note key name that is empty or has spaces or '+'
  | 'INVALID_VERIFIER_KEY' // not a C2SP Ed25519 verifier key string "<name>+<hex id>+<base64>"
  | 'INVALID_NOTE_TEXT'; // text that cannot be signed as a note (see crypto/note.ts)

export class CryptoError extends PalisadeError<CryptoErrorCode> {
  readonly code: CryptoErrorCode;
  readonly retriable = false;

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CryptoError';
    this.code = code;
  }
}
