// Public surface of crypto/vault/ (see README.md).
export { type VaultErrorCode, VaultError } from './errors.ts';
export { type Binding, type KeyRef, checkBinding } from './binding.ts';
export {
  type SealedValue, SEALED_VALUE_VERSION, SEALED_VALUE_AAD_CONTEXT, DEK_BYTES, NONCE_BYTES, TAG_BYTES,
  MAX_PLAINTEXT_BYTES, seal, open, parseSealedValue, sealedValueAad,
} from './sealed-value.ts';
export {
  type Kek, type KekSource, type DekOwner, type DekIdentity, type WrappedDek,
  KEK_BYTES, MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, DEK_WRAP_AAD_CONTEXT,
  loadKek, kekFromHex, kekFromKeyFileBytes, kekKeyFileBytes, kekIdOf, generateKek, destroyKek,
  generateDek, wrapDek, unwrapDek, withDek, rewrap,
} from './key-wrap.ts';
export {
  type IntakeKeyPair, INTAKE_CONTEXT, generateIntakeKeyPair, intakeKeyPairFromSecretKey, sealToIntake, openIntake,
} from './intake.ts';
export { type LegacyScryptParams, LEGACY_SCRYPT, isLegacyValue, decryptLegacy } from './legacy.ts';
export { KNOWN_PREFIXES, FULLY_MASKED, maskSecret } from './mask.ts';
