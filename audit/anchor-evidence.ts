// Verifies a tenant's checkpoints against their anchors, before any event is read: each
// checkpoint's anchor is signed by a trusted key, holds the checkpoint (inclusion), extends the
// previous checkpoint (consistency), and is in immutable storage exactly as recorded. These
// checks need no events, so a forked history is named as a fork, not as some later mismatch.
import { sha256 } from '../domain/chain/sha256.ts';
import { verifyNote, type NoteFailureCode, type NoteVerifierKey } from '../crypto/note.ts';
import { checkpointLeafHash, parseAnchorNoteText, type AnchorText } from '../domain/merkle/anchor.ts';
import { rootFromInclusionProof, rootsFromConsistencyProof } from '../domain/merkle/verify.ts';
import { checkpointLabel, short, type AuditFailure } from './failures.ts';
import { checkpointShapeProblem } from './record-shapes.ts';
import type { AnchorRecord, CheckpointRecord, StorageFinding } from '../domain/merkle/anchor-records.ts';


export interface EvidenceInput {
  readonly tenantId: string;
  /** In the order given (sorted by size is required, and checked). */
  readonly checkpoints: readonly unknown[];
  readonly anchors: ReadonlyMap<number, AnchorRecord>;
  /** The keys anchors must be signed by: pinned by the auditor, or the bundle's own. */
  readonly trustedKeys: readonly NoteVerifierKey[];
  /** Reads the anchor's object in immutable storage; absent when storage is out of reach (offline). */
  readonly checkStorage?: (anchor: AnchorRecord) => Promise<StorageFinding | null>;
}

/** A checkpoint whose anchor evidence holds; the events still have to match it. */
export interface VerifiedCheckpoint {
  readonly size: number;
  readonly root: Buffer;
  readonly anchorSeq: number;
}

export type EvidenceVerdict =
  | { readonly ok: true; readonly checkpoints: VerifiedCheckpoint[]; readonly storageChecked: boolean }
  | { readonly ok: false; readonly failure: AuditFailure; readonly checkpoints: VerifiedCheckpoint[] };

export async function verifyAnchorEvidence(input: EvidenceInput): Promise<EvidenceVerdict> {
  const verified: VerifiedCheckpoint[] = [];
  let previous: VerifiedCheckpoint | null = null;
  for (const [position, value] of input.checkpoints.entries()) {
    const outcome = await checkOne(input, value, position, previous);
    if (isFailure(outcome)) return { ok: false, failure: outcome, checkpoints: verified };
    previous = outcome;
    verified.push(outcome);
  }
  return { ok: true, checkpoints: verified, storageChecked: input.checkStorage !== undefined };
}

async function checkOne(input: EvidenceInput, value: unknown, position: number, previous: VerifiedCheckpoint | null): Promise<AuditFailure | VerifiedCheckpoint> {
  const shape = checkpointShapeProblem(value);
  if (shape !== null) {
    return { code: 'CHECKPOINT_MALFORMED', expected: 'a checkpoint record', actual: shape, message: `checkpoint #${position + 1}: ${shape}` };
  }
  const c = value as CheckpointRecord;
  const label = checkpointLabel(c.size, c.anchorSeq);
  const at = { checkpointSize: c.size, anchorSeq: c.anchorSeq };
  if (c.tenantId !== input.tenantId) {
    return { code: 'CHECKPOINT_TENANT_MISMATCH', ...at, expected: input.tenantId, actual: c.tenantId, message: `${label} belongs to tenant ${c.tenantId}` };
  }
  const order = orderProblem(c, previous);
  if (order !== null) return { code: 'CHECKPOINT_ORDER', ...at, ...order, message: `${label}: ${order.why}` };

  const anchor = input.anchors.get(c.anchorSeq);
  if (anchor === undefined) return { code: 'ANCHOR_MISSING', ...at, expected: `anchor ${c.anchorSeq}`, actual: 'none', message: `${label} names anchor ${c.anchorSeq}, which is not there` };
  const signed = verifiedText(anchor.note, input.trustedKeys);
  if (!signed.ok) {
    return { code: 'ANCHOR_SIGNATURE', ...at, expected: `a valid signature by ${input.trustedKeys.map((k) => k.name).join(' or ')}`, actual: signed.code, message: `anchor ${c.anchorSeq} is not validly signed by a trusted key (${signed.code})` };
  }
  const text = signed.text;
  let parsed: AnchorText;
  try {
    parsed = parseAnchorNoteText(text);
  } catch {
    return { code: 'ANCHOR_MALFORMED', ...at, expected: '"<origin>\\n<size>\\n<base64 root>\\n"', actual: JSON.stringify(text.slice(0, 80)), message: `anchor ${c.anchorSeq}: the signed text is not an anchor` };
  }
  const noteSha = sha256(Buffer.from(anchor.note, 'utf8')).toString('hex');
  if (noteSha !== anchor.storage.sha256) {
    return { code: 'STORAGE_MISMATCH', ...at, expected: anchor.storage.sha256, actual: noteSha, message: `anchor ${c.anchorSeq} differs from the anchor recorded at publication (SHA-256 ${short(noteSha)} instead of ${short(anchor.storage.sha256)})` };
  }
  const root = Buffer.from(c.root, 'hex');
  const included = rootFromInclusionProof(checkpointLeafHash(c), c.leafIndex, parsed.size, c.inclusion.map(fromHex));
  if (included === null || !included.equals(parsed.root)) {
    return {
      code: 'INCLUSION_INVALID', ...at, expected: parsed.root.toString('hex'), actual: included?.toString('hex') ?? `no root (leaf index ${c.leafIndex}, ${c.inclusion.length} hashes, anchor tree size ${parsed.size})`,
      message: `${label} of tenant ${c.tenantId} is not in anchor ${c.anchorSeq}: its inclusion proof at leaf ${c.leafIndex} does not lead to the anchor root (a proof of another checkpoint or tenant?)`,
    };
  }
  if (previous !== null) {
    const roots = rootsFromConsistencyProof(previous.size, c.size, previous.root, c.consistency.map(fromHex));
    const ok = roots !== null && roots.oldRoot.equals(previous.root) && roots.newRoot !== null && roots.newRoot.equals(root);
    if (!ok) {
      return {
        code: 'CONSISTENCY_INVALID', ...at, expected: `a tree extending size ${previous.size} root ${previous.root.toString('hex')}`, actual: `size ${c.size} root ${c.root}`,
        message: `${label} is not consistent with the checkpoint at size ${previous.size} (anchor ${previous.anchorSeq}): the history was forked or rewritten`,
      };
    }
  }
  if (input.checkStorage !== undefined) {
    const finding = await input.checkStorage(anchor);
    if (finding !== null) return { code: finding.code, ...at, expected: finding.expected, actual: finding.actual, message: `anchor ${c.anchorSeq} in ${anchor.storage.kind} storage (${anchor.storage.key}): ${finding.detail}` };
  }
  return { size: c.size, root, anchorSeq: c.anchorSeq };
}

function orderProblem(c: CheckpointRecord, previous: VerifiedCheckpoint | null): { expected: string; actual: string; why: string } | null {
  const previousSize = previous?.size ?? 0;
  if (c.previousSize !== previousSize) {
    return { expected: String(previousSize), actual: String(c.previousSize), why: `it follows a checkpoint at size ${c.previousSize}, but the previous one is at size ${previousSize} (a checkpoint is missing or was added)` };
  }
  if (c.size <= previousSize) return { expected: `size > ${previousSize}`, actual: String(c.size), why: 'checkpoint sizes must grow' };
  if (previous !== null && c.anchorSeq <= previous.anchorSeq) {
    return { expected: `anchor > ${previous.anchorSeq}`, actual: String(c.anchorSeq), why: 'anchors must grow with the checkpoints' };
  }
  if (previous === null && c.consistency.length > 0) return { expected: 'no consistency proof', actual: `${c.consistency.length} hashes`, why: 'the first checkpoint has nothing to be consistent with' };
  return null;
}

/** The signed text, or why no trusted key vouches for it. A bad signature by a trusted key wins. */
function verifiedText(note: string, keys: readonly NoteVerifierKey[]): { ok: true; text: string } | { ok: false; code: NoteFailureCode } {
  let failure: NoteFailureCode = 'NO_KNOWN_SIGNATURE';
  for (const key of keys) {
    const result = verifyNote(note, key);
    if (result.ok) {
      const origin = result.text.slice(0, result.text.indexOf('\n'));
      if (origin === key.name) return result;
      continue; // signed by this key for another log: not an anchor of ours
    }
    if (result.code === 'BAD_SIGNATURE' || (result.code === 'MALFORMED_NOTE' && failure === 'NO_KNOWN_SIGNATURE')) failure = result.code;
  }
  return { ok: false, code: failure };
}

function isFailure(outcome: AuditFailure | VerifiedCheckpoint): outcome is AuditFailure {
  return 'code' in outcome;
}

function fromHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}
