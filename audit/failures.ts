// What an audit found wrong: one failure, the first, named precisely enough to act on (which
// event seq, which checkpoint, which anchor, what was expected and what was found). Match on
// `code`; `message` is for people.
import type { ChainFailureCode } from '../domain/chain/chain-verifier.ts';

export type AuditFailureCode =
  // the events (domain/chain/chain-verifier.ts)
  | ChainFailureCode
  | 'UNDECODABLE' // a stored record that is not an event envelope
  | 'MALFORMED_EVENT' // an exported line that is not a well-formed event (domain/chain/validate-event.ts)
  // the events against the checkpoints
  | 'ROOT_MISMATCH' // the events' tree at a checkpoint's size has another root: history was rewritten
  | 'TRUNCATED' // the events end before a checkpoint's size: the tail was cut off
  // the checkpoints and their anchors
  | 'CHECKPOINT_MALFORMED'
  | 'CHECKPOINT_TENANT_MISMATCH' // a checkpoint of another tenant
  | 'CHECKPOINT_ORDER' // sizes not increasing, or previousSize not the previous checkpoint's size
  | 'ANCHOR_MISSING' // a checkpoint names an anchor that is not there
  | 'ANCHOR_SIGNATURE' // the anchor note is not validly signed by a trusted key
  | 'ANCHOR_MALFORMED' // the signed text is not an anchor
  | 'INCLUSION_INVALID' // the checkpoint is not in its anchor's tree (or is another tenant's)
  | 'CONSISTENCY_INVALID' // the checkpoint's tree does not extend the previous one: a fork
  // the anchor in immutable storage
  | 'STORAGE_MISSING'
  | 'STORAGE_MISMATCH' // other bytes than the signed anchor
  | 'STORAGE_EXTRA_VERSION'; // another version (or a delete marker) under the anchor's key

export interface AuditFailure {
  readonly code: AuditFailureCode;
  /** The event position concerned (chain and tree failures). */
  readonly seq?: number;
  /** The checkpoint concerned, by its tree size. */
  readonly checkpointSize?: number;
  readonly anchorSeq?: number;
  readonly expected: string;
  readonly actual: string;
  readonly message: string;
}

export function short(hex: string): string {
  return hex.length > 16 ? `${hex.slice(0, 12)}…` : hex;
}

/** "checkpoint at size 10 (anchor 4)" */
export function checkpointLabel(size: number, anchorSeq: number): string {
  return `checkpoint at size ${size} (anchor ${anchorSeq})`;
}

/** One line for a terminal. */
export function formatFailure(tenantId: string, failure: AuditFailure): string {
  const where = [
    failure.seq === undefined ? undefined : `seq ${failure.seq}`,
    failure.checkpointSize === undefined ? undefined : `checkpoint size ${failure.checkpointSize}`,
    failure.anchorSeq === undefined ? undefined : `anchor ${failure.anchorSeq}`,
  ].filter((part) => part !== undefined).join(', ');
  return `FAIL tenant ${tenantId}${where ? ` at ${where}` : ''}: ${failure.code}: ${failure.message}`;
}
