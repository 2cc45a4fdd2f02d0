// Palisade's anchor format (docs/spec.md "Merkle trees and anchors", normative), pure so that the
// anchorer that writes anchors and the verifiers that check them share one definition:
// - a tenant checkpoint is (tenantId, size, root) of the tenant's RFC 6962 tree;
// - its leaf input in the global anchor tree is SHA-256(JCS({"root","size","tenantId"})), root as
//   64 lowercase hex, and the leaves are ordered by tenantId;
// - the anchor is the C2SP tlog-checkpoint text "<origin>\n<size>\n<base64 root>\n" over that
//   tree, signed as a C2SP signed note (crypto/note.ts).
import { jcs } from '../chain/jcs.ts';
import { sha256 } from '../chain/sha256.ts';
import { MerkleError } from './errors.ts';
import { HASH_BYTES, leafHash } from './hash.ts';
import { inclusionProof, merkleRoot } from './tree.ts';

export interface TenantCheckpoint {
  readonly tenantId: string;
  readonly size: number;
  /** 64 lowercase hex. */
  readonly root: string;
}

export interface AnchorText {
  readonly origin: string;
  /** Number of tenant checkpoints (leaves) in the global anchor tree. */
  readonly size: number;
  readonly root: Buffer;
}

/** SHA-256 of the RFC 8785 form of {"root","size","tenantId"}: the checkpoint's leaf input. */
export function checkpointLeafInput(checkpoint: TenantCheckpoint): Buffer {
  const text = jcs({ root: checkpoint.root, size: checkpoint.size, tenantId: checkpoint.tenantId });
  return sha256(Buffer.from(text, 'utf8'));
}

export function checkpointLeafHash(checkpoint: TenantCheckpoint): Buffer {
  return leafHash(checkpointLeafInput(checkpoint));
}

/** The global anchor tree over one checkpoint per tenant. */
export class AnchorTree {
  readonly checkpoints: readonly TenantCheckpoint[];
  readonly root: Buffer;
  readonly #leaves: Buffer[];
  readonly #indexByTenant: Map<string, number>;

  constructor(checkpoints: readonly TenantCheckpoint[]) {
    // UTF-16 code unit order, which for lowercase UUIDs is plain character order.
    this.checkpoints = [...checkpoints].sort((a, b) => (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0));
    this.#indexByTenant = new Map(this.checkpoints.map((c, i) => [c.tenantId, i]));
    if (this.#indexByTenant.size !== this.checkpoints.length) {
      throw new MerkleError('INVALID_SIZE', 'an anchor tree holds at most one checkpoint per tenant');
    }
    this.#leaves = this.checkpoints.map(checkpointLeafHash);
    this.root = merkleRoot(this.#leaves);
  }

  get size(): number {
    return this.checkpoints.length;
  }

  leafIndexOf(tenantId: string): number {
    const index = this.#indexByTenant.get(tenantId);
    if (index === undefined) throw new MerkleError('INVALID_SIZE', `tenant ${tenantId} has no checkpoint in this anchor tree`);
    return index;
  }

  inclusionProof(tenantId: string): Buffer[] {
    return inclusionProof(this.#leaves, this.leafIndexOf(tenantId));
  }
}

/** The note text of an anchor (C2SP tlog-checkpoint, no extension lines). */
export function anchorNoteText(anchor: AnchorText): string {
  if (!/^[^\s+]+$/u.test(anchor.origin)) throw new MerkleError('INVALID_ANCHOR_TEXT', 'an anchor origin has no spaces or "+"');
  if (anchor.root.length !== HASH_BYTES) throw new MerkleError('INVALID_ANCHOR_TEXT', 'an anchor root is 32 bytes');
  return `${anchor.origin}\n${anchor.size}\n${anchor.root.toString('base64')}\n`;
}

/** Parses verified note text back into an anchor; strict, so one anchor has one spelling. */
export function parseAnchorNoteText(text: string): AnchorText {
  const match = /^([^\s+]+)\n(0|[1-9][0-9]{0,15})\n([A-Za-z0-9+/]{43}=)\n$/u.exec(text);
  if (match === null) throw new MerkleError('INVALID_ANCHOR_TEXT', 'anchor text is not "<origin>\\n<size>\\n<base64 root>\\n"');
  const size = Number(match[2]);
  const root = Buffer.from(match[3]!, 'base64');
  if (!Number.isSafeInteger(size) || root.length !== HASH_BYTES || root.toString('base64') !== match[3]) {
    throw new MerkleError('INVALID_ANCHOR_TEXT', 'anchor size or root is out of range');
  }
  return { origin: match[1]!, size, root };
}
