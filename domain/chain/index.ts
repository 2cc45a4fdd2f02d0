// Public surface of domain/chain/ (see README.md).
export { type ChainErrorCode, ChainError } from './errors.ts';
export { jcs } from './jcs.ts';
export { SHA256_BYTES, sha256, sha256HexOfText } from './sha256.ts';
export { GENESIS_HASH, canonicalEventText, eventHash } from './event-hash.ts';
export {
  type ChainFailureCode, type ChainFailure, type ChainHead, type ChainVerdict,
  ChainVerifier, verifyChain,
} from './chain-verifier.ts';
export {
  type EventShapeErrorCode,
  validateLogicalEvent, validateHashedEvent, isLogicalEvent, isHashedEvent,
  isUuid, isHex256, isRfc3339UtcMillis,
} from './validate-event.ts';
