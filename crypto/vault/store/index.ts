// Public surface of crypto/vault/store/ (see README.md).
export { type KeyStoreErrorCode, KeyStoreError } from './errors.ts';
export {
  type UserOwner, type KeyStoreOptions, type DekOpenCount, type IntakeKeyInfo, type RotationProgress,
  type RotateKekOptions, type RotateKekResult, VAULT_LOCK, KeyStore, openCountsOf, userKid, intakeKeyFingerprint,
} from './key-store.ts';
export { type DekCacheOptions, DekCache } from './dek-cache.ts';
export {
  type WrappedIntakeKey, INTAKE_KEY_WRAP_AAD_CONTEXT, wrapIntakeKey, unwrapIntakeKey, rewrapIntakeKey,
} from './intake-wrap.ts';
