// Public surface of crypto/vault/store/ (see README.md).
export { type KeyStoreErrorCode, KeyStoreError } from './errors.ts';
export {
  type UserOwner, type KeyStoreOptions, type IntakeKeyInfo, KeyStore, userKid, intakeKeyFingerprint,
} from './key-store.ts';
export { type RotationProgress, type RotateKekOptions, type RotateKekResult } from './kek-rotation.ts';
export { VAULT_LOCK } from './rows.ts';
export { type DekOpenCount, openCountsOf } from './open-counts.ts';
export { type DekCacheOptions, DekCache } from './dek-cache.ts';
export {
  type WrappedIntakeKey, INTAKE_KEY_WRAP_AAD_CONTEXT, wrapIntakeKey, unwrapIntakeKey, rewrapIntakeKey,
} from './intake-wrap.ts';
