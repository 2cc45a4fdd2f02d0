// Builds the next anchor from the tenants' trees, in memory: one leaf per tenant (its newest
// checkpoint), the signed note, and for each changed tenant its checkpoint with the inclusion
// proof in this anchor and the consistency proof from its previous checkpoint. Every proof is
// verified before the draft is returned: an anchor is never built for a tree that does not
// extend the previous one (docs/spec.md).
import { signNote } from '../../crypto/note.ts';
import { AnchorTree, anchorNoteText, checkpointLeafHash, type TenantCheckpoint } from '../../domain/merkle/anchor.ts';
import { verifyConsistency, verifyInclusion } from '../../domain/merkle/verify.ts';
import { AnchorerError } from './errors.ts';
import type { TenantTree, TenantTreeRow } from './tenant-tree.ts';

export interface CheckpointDraft {
  readonly tenantId: string;
  readonly size: number;
  readonly root: Buffer;
  readonly leafIndex: number;
  readonly inclusion: Buffer[];
  readonly previousSize: number;
  readonly consistency: Buffer[];
}

export interface AnchorDraft {
  readonly seq: number;
  readonly treeSize: number;
  readonly root: Buffer;
  readonly note: string;
  readonly checkpoints: CheckpointDraft[];
  /** The changed tenants' resume rows. */
  readonly trees: TenantTreeRow[];
}

export interface AnchorSigner {
  readonly origin: string;
  readonly secretKey: Uint8Array;
}

/** null when no tenant changed since the last anchor. */
export function buildAnchor(seq: number, tenants: Iterable<TenantTree>, signer: AnchorSigner): AnchorDraft | null {
  const changed: TenantTree[] = [];
  const leaves: TenantCheckpoint[] = [];
  for (const tenant of tenants) {
    if (tenant.changed) {
      changed.push(tenant);
      leaves.push({ tenantId: tenant.tenantId, size: tenant.size, root: tenant.root().toString('hex') });
    } else if (tenant.checkpointedSize > 0) {
      leaves.push({ tenantId: tenant.tenantId, size: tenant.checkpointedSize, root: tenant.checkpointedRoot().toString('hex') });
    }
  }
  if (changed.length === 0) return null;
  const tree = new AnchorTree(leaves);
  const checkpoints = changed.map((tenant) => checkpointOf(tenant, tree));
  const note = signNote(anchorNoteText({ origin: signer.origin, size: tree.size, root: tree.root }), signer.origin, signer.secretKey);
  return { seq, treeSize: tree.size, root: tree.root, note, checkpoints, trees: changed.map((tenant) => tenant.rowAt(seq)) };
}

function checkpointOf(tenant: TenantTree, tree: AnchorTree): CheckpointDraft {
  const root = tenant.root();
  const previousSize = tenant.checkpointedSize;
  const consistency = tenant.consistencyProof();
  if (previousSize > 0 && !verifyConsistency(previousSize, tenant.size, tenant.checkpointedRoot(), root, consistency)) {
    throw new AnchorerError('INCONSISTENT_TREE', `tenant ${tenant.tenantId}: the tree at size ${tenant.size} does not extend its checkpoint at size ${previousSize}; refusing to anchor it`);
  }
  const leafIndex = tree.leafIndexOf(tenant.tenantId);
  const inclusion = tree.inclusionProof(tenant.tenantId);
  const leaf = checkpointLeafHash({ tenantId: tenant.tenantId, size: tenant.size, root: root.toString('hex') });
  if (!verifyInclusion(leaf, leafIndex, tree.size, inclusion, tree.root)) {
    throw new AnchorerError('INCONSISTENT_TREE', `tenant ${tenant.tenantId}: its checkpoint does not verify in the anchor tree`);
  }
  return { tenantId: tenant.tenantId, size: tenant.size, root, leafIndex, inclusion, previousSize, consistency };
}
