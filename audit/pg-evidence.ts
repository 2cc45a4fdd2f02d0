// Reads a tenant's checkpoints and their anchors from Postgres (schema `anchors`), as records.
// Anchors not yet in immutable storage ('pending') and the checkpoints they carry are left out
// and counted: they are published within moments, and have no receipt to check yet.
import type pg from '../adapters/postgres/pg.ts';
import type { AnchorRecord, CheckpointRecord } from '../domain/merkle/anchor-records.ts';

export interface TenantEvidence {
  readonly checkpoints: CheckpointRecord[];
  readonly anchors: Map<number, AnchorRecord>;
  /** Verifier keys recorded with the anchors (a fallback when the auditor pins none). */
  readonly recordedKeys: string[];
  readonly unpublished: number;
}

interface Row {
  tenant_id: string;
  tree_size: string;
  root: Buffer;
  anchor_seq: string;
  leaf_index: number;
  inclusion_proof: Buffer[];
  previous_size: string;
  consistency_proof: Buffer[];
  note: string;
  note_sha256: Buffer;
  verifier_key: string;
  state: string;
  storage_kind: 'fs' | 's3';
  storage_location: string;
  storage_key: string;
  storage_version_id: string | null;
}

export async function loadTenantEvidence(pool: pg.Pool, tenantId: string): Promise<TenantEvidence> {
  const { rows } = await pool.query<Row>(
    `select c.tenant_id, c.tree_size, c.root, c.anchor_seq, c.leaf_index, c.inclusion_proof, c.previous_size, c.consistency_proof,
            a.note, a.note_sha256, a.verifier_key, a.state, a.storage_kind, a.storage_location, a.storage_key, a.storage_version_id
       from anchors.checkpoints c join anchors.anchors a using (anchor_seq)
      where c.tenant_id = $1
      order by c.tree_size`,
    [tenantId],
  );
  const checkpoints: CheckpointRecord[] = [];
  const anchors = new Map<number, AnchorRecord>();
  const recordedKeys = new Set<string>();
  let unpublished = 0;
  for (const r of rows) {
    if (r.state === 'pending') {
      unpublished++;
      continue;
    }
    const anchorSeq = Number(r.anchor_seq);
    checkpoints.push({
      tenantId: r.tenant_id, size: Number(r.tree_size), root: r.root.toString('hex'), anchorSeq, leafIndex: r.leaf_index,
      inclusion: r.inclusion_proof.map(hex), previousSize: Number(r.previous_size), consistency: r.consistency_proof.map(hex),
    });
    anchors.set(anchorSeq, {
      seq: anchorSeq, note: r.note,
      storage: { kind: r.storage_kind, location: r.storage_location, key: r.storage_key, versionId: r.storage_version_id, sha256: hex(r.note_sha256) },
    });
    recordedKeys.add(r.verifier_key);
  }
  return { checkpoints, anchors, recordedKeys: [...recordedKeys], unpublished };
}

function hex(bytes: Buffer): string {
  return bytes.toString('hex');
}
