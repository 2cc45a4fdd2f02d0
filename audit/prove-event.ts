// `palisade audit prove --tenant ID --seq N`: the RFC 6962 inclusion proof of one event in the
// tenant's latest verified checkpoint, built in one streaming pass over the tenant's events
// (domain/merkle/proof-collector.ts), verified, and returned with the checkpoint's own evidence (its
// anchor, its inclusion there) so that a third party can check the event against the anchor.
import { verifyAnchorEvidence } from './anchor-evidence.ts';
import { NotAnchoredError } from './errors.ts';
import type { LiveAuditDeps } from './audit-live.ts';
import { EventTreeChecker } from './event-tree-check.ts';
import type { AuditFailure } from './failures.ts';
import { loadTenantEvidence } from './pg-evidence.ts';
import type { AnchorRecord, CheckpointRecord } from '../domain/merkle/anchor-records.ts';
import { readTenantEvents } from './tenant-events.ts';
import { chooseTrustedKeys } from './trusted-keys.ts';
import { leafHash } from '../domain/merkle/hash.ts';
import { ProofCollector } from '../domain/merkle/proof-collector.ts';
import { inclusionRanges } from '../domain/merkle/proof-ranges.ts';
import { verifyInclusion } from '../domain/merkle/verify.ts';

export interface EventProof {
  readonly ok: true;
  readonly tenantId: string;
  readonly seq: number;
  readonly eventHash: string;
  /** The event's leaf: index seq - 1 in the tenant's tree of `checkpoint.size` leaves. */
  readonly leafIndex: number;
  readonly proof: string[];
  readonly verified: boolean;
  readonly checkpoint: CheckpointRecord;
  readonly anchor: AnchorRecord;
}

export type ProveResult = EventProof | { readonly ok: false; readonly tenantId: string; readonly failure: AuditFailure };

export async function proveEvent(deps: LiveAuditDeps, tenantId: string, seq: number): Promise<ProveResult> {
  const evidence = await loadTenantEvidence(deps.pool, tenantId);
  const trusted = chooseTrustedKeys(deps.pinnedKeys, deps.keyFileVerifierKey, evidence.recordedKeys);
  const verdict = await verifyAnchorEvidence({
    tenantId, checkpoints: evidence.checkpoints, anchors: evidence.anchors, trustedKeys: trusted.keys, checkStorage: deps.inspectStorage,
  });
  if (!verdict.ok) return { ok: false, tenantId, failure: verdict.failure };
  const latest = evidence.checkpoints.at(-1);
  if (latest === undefined || seq > latest.size) {
    throw new NotAnchoredError(`seq ${seq} of tenant ${tenantId} is not in a published checkpoint yet (${latest === undefined ? 'none yet' : `the latest covers seq 1..${latest.size}`}); it is anchored at the next anchor interval`);
  }
  const checker = new EventTreeChecker(tenantId, verdict.checkpoints);
  const collector = new ProofCollector(inclusionRanges(seq - 1, latest.size));
  let eventHash = '';
  await readTenantEvents(deps.kafka, deps.eventsTopic, tenantId, (stored) => {
    if (checker.failure !== null || checker.head.seq >= latest.size) return;
    if (!stored.ok) {
      checker.pushUnreadable('UNDECODABLE', `offset ${stored.offset}`, stored.code);
      return;
    }
    if (checker.push(stored.event, stored.carriedHash) !== null) return;
    collector.push(leafHash(Buffer.from(stored.carriedHash, 'hex')));
    if (stored.event.seq === seq) eventHash = stored.carriedHash;
  });
  const failure = checker.finish();
  if (failure !== null) return { ok: false, tenantId, failure };
  const proof = collector.proof();
  const verified = verifyInclusion(leafHash(Buffer.from(eventHash, 'hex')), seq - 1, latest.size, proof, Buffer.from(latest.root, 'hex'));
  return {
    ok: true, tenantId, seq, eventHash, leafIndex: seq - 1, proof: proof.map((h) => h.toString('hex')), verified,
    checkpoint: latest, anchor: evidence.anchors.get(latest.anchorSeq)!,
  };
}
