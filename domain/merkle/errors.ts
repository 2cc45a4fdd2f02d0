// Errors of the Merkle layer (STYLE.md §10): match on `code`, never on message text. These are
// programming or input errors (a proof asked for an impossible range, a stored compact range of
// the wrong shape); a proof that simply does not verify is a `false`/`null` result, not an error.
import { PalisadeError } from '../error-base.ts';

export type MerkleErrorCode =
  | 'INVALID_SIZE' // a tree size, index or range bound that is negative, not an integer, or out of order
  | 'INVALID_HASH' // a node or leaf hash that is not 32 bytes
  | 'RANGE_NOT_AVAILABLE' // a compact range cannot produce the hash of the subtree asked for
  | 'INVALID_COMPACT_RANGE' // a stored compact range whose node count does not match its bounds
  | 'INVALID_ANCHOR_TEXT'; // note text that is not an anchor (origin, size, base64 root)

export class MerkleError extends PalisadeError<MerkleErrorCode> {
  readonly code: MerkleErrorCode;
  readonly retriable = false;

  constructor(code: MerkleErrorCode, message: string) {
    super(message);
    this.name = 'MerkleError';
    this.code = code;
  }
}
