// The anchorer's Postgres side (schema `anchors`, adapters/postgres/migrations/0010_anchors.sql). A new
// anchor, its checkpoints, the changed tenants' resume rows and the consumed event offsets are
// written in ONE transaction, so the anchorer's state after a crash is always a committed cut.
import type pg from '../../adapters/postgres/pg.ts';
import type { StorageReceipt } from '../../domain/merkle/anchor-records.ts';
import { sha256 } from '../../domain/chain/sha256.ts';
import type { AnchorDraft } from './build-anchor.ts';
import type { TenantTreeRow } from './tenant-tree.ts';

/** pg_try_advisory_lock key of the single active anchorer ('pali' 'anch'). */
const ANCHORER_LOCK = [0x70616c69, 0x616e6368] as const;

export type AnchorState = 'pending' | 'stored' | 'published';

/** The publication lifecycle (STYLE.md §12): each state and the step that leaves it. */
export const NEXT_STATE: Readonly<Record<AnchorState, AnchorState | null>> = { pending: 'stored', stored: 'published', published: null };

export interface StoredAnchor {
  readonly seq: number;
  readonly note: string;
  readonly state: AnchorState;
  readonly receipt: StorageReceipt;
}

export interface ResumeState {
  readonly lastAnchorSeq: number;
  readonly trees: TenantTreeRow[];
  /** Next offset to read, per partition of the events topic. */
  readonly positions: Map<number, string>;
  /** Anchors not yet both stored and published, oldest first. */
  readonly unfinished: StoredAnchor[];
}

/** Holds the anchorer lock on its own connection until release(); false when another anchorer has it. */
export async function tryLockAnchorer(pool: pg.Pool): Promise<{ release: () => Promise<void> } | null> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, $2) as locked', [...ANCHORER_LOCK]);
    if (rows[0]?.locked !== true) {
      client.release();
      return null;
    }
  } catch (error) {
    client.release();
    throw error;
  }
  return {
    release: async () => {
      await client.query('select pg_advisory_unlock($1, $2)', [...ANCHORER_LOCK]).catch(() => undefined);
      client.release();
    },
  };
}

export async function loadResumeState(pool: pg.Pool, eventsTopic: string): Promise<ResumeState> {
  const last = await pool.query<{ seq: string | null }>('select max(anchor_seq)::text as seq from anchors.anchors');
  const trees = await pool.query<{ tenant_id: string; tree_size: string; root: Buffer; head_hash: Buffer; compact_range: Buffer[]; anchor_seq: string }>(
    'select tenant_id, tree_size, root, head_hash, compact_range, anchor_seq from anchors.tenant_trees',
  );
  const positions = await pool.query<{ partition: number; next_offset: string }>('select partition, next_offset from anchors.positions where topic = $1', [eventsTopic]);
  const unfinished = await pool.query<AnchorRow>(`${SELECT_ANCHOR} where state <> 'published' order by anchor_seq`);
  return {
    lastAnchorSeq: Number(last.rows[0]?.seq ?? 0),
    trees: trees.rows.map((r) => ({
      tenantId: r.tenant_id, size: Number(r.tree_size), root: r.root, headHash: r.head_hash, compactRange: r.compact_range, anchorSeq: Number(r.anchor_seq),
    })),
    positions: new Map(positions.rows.map((r) => [r.partition, r.next_offset])),
    unfinished: unfinished.rows.map(toStoredAnchor),
  };
}

/** Records a new anchor as 'pending' with everything it anchors (one transaction). */
export async function insertPendingAnchor(
  pool: pg.Pool,
  draft: AnchorDraft,
  target: { verifierKey: string; kind: StorageReceipt['kind']; location: string; key: string },
  eventsTopic: string,
  positions: ReadonlyMap<number, string>,
): Promise<StoredAnchor> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const noteSha = sha256(Buffer.from(draft.note, 'utf8'));
    await client.query(
      `insert into anchors.anchors (anchor_seq, tree_size, root, note, note_sha256, verifier_key, state, storage_kind, storage_location, storage_key)
       values ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9)`,
      [draft.seq, draft.treeSize, draft.root, draft.note, noteSha, target.verifierKey, target.kind, target.location, target.key],
    );
    for (const c of draft.checkpoints) {
      await client.query(
        `insert into anchors.checkpoints (tenant_id, tree_size, root, anchor_seq, leaf_index, inclusion_proof, previous_size, consistency_proof)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [c.tenantId, c.size, c.root, draft.seq, c.leafIndex, c.inclusion, c.previousSize, c.consistency],
      );
    }
    for (const t of draft.trees) {
      await client.query(
        `insert into anchors.tenant_trees (tenant_id, tree_size, root, head_hash, compact_range, anchor_seq) values ($1, $2, $3, $4, $5, $6)
         on conflict (tenant_id) do update set tree_size = excluded.tree_size, root = excluded.root, head_hash = excluded.head_hash,
           compact_range = excluded.compact_range, anchor_seq = excluded.anchor_seq`,
        [t.tenantId, t.size, t.root, t.headHash, t.compactRange, t.anchorSeq],
      );
    }
    for (const [partition, nextOffset] of positions) {
      await client.query(
        `insert into anchors.positions (topic, partition, next_offset) values ($1, $2, $3)
         on conflict (topic, partition) do update set next_offset = excluded.next_offset`,
        [eventsTopic, partition, nextOffset],
      );
    }
    await client.query('commit');
    return {
      seq: draft.seq, note: draft.note, state: 'pending',
      receipt: { kind: target.kind, location: target.location, key: target.key, versionId: null, sha256: noteSha.toString('hex') },
    };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function markStored(pool: pg.Pool, seq: number, receipt: StorageReceipt): Promise<void> {
  await pool.query(`update anchors.anchors set state = 'stored', stored_at = now(), storage_version_id = $2 where anchor_seq = $1 and state = 'pending'`, [seq, receipt.versionId]);
}

export async function markPublished(pool: pg.Pool, seq: number): Promise<void> {
  await pool.query(`update anchors.anchors set state = 'published', published_at = now() where anchor_seq = $1 and state = 'stored'`, [seq]);
}

interface AnchorRow {
  anchor_seq: string;
  note: string;
  state: AnchorState;
  storage_kind: StorageReceipt['kind'];
  storage_location: string;
  storage_key: string;
  storage_version_id: string | null;
  note_sha256: Buffer;
}

const SELECT_ANCHOR = 'select anchor_seq, note, state, storage_kind, storage_location, storage_key, storage_version_id, note_sha256 from anchors.anchors';

function toStoredAnchor(r: AnchorRow): StoredAnchor {
  return {
    seq: Number(r.anchor_seq), note: r.note, state: r.state,
    receipt: { kind: r.storage_kind, location: r.storage_location, key: r.storage_key, versionId: r.storage_version_id, sha256: r.note_sha256.toString('hex') },
  };
}
