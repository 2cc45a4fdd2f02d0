// Public surface of crypto/ (see README.md).
export { type CryptoErrorCode, CryptoError } from './errors.ts';
export { type SecureBuffer, allocSecure, zero, isSecureBuffer } from './secure-memory.ts';
export {
  type SigningKeyPair, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, SIGNATURE_BYTES,
  generateSigningKeyPair, sign, verify, publicKeyOf,
} from './ed25519.ts';
export { type SigningKey, KEY_FILE_MODE, writeSigningKeyFile, readSigningKeyFile } from './key-file.ts';
export { COMMAND_SIGNING_CONTEXT, commandSigningBytes, signCommand, verifyCommandSignature } from './command-signing.ts';
export {
  type NoteVerifierKey, type NoteFailureCode, type NoteVerification,
  noteKeyId, verifierKeyString, parseVerifierKey, signNote, verifyNote,
} from './note.ts';
