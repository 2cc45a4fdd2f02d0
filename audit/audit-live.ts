// `palisade audit verify`: one tenant, live. First the anchor evidence from Postgres (signature,
// inclusion, consistency, immutable storage), then the events from Kafka through the chain and
// the tenant's tree, matched against every verified checkpoint. Reports the first failure.
import type { KafkaClient as Kafka } from '../adapters/kafka/client.ts';
import type pg from '../adapters/postgres/pg.ts';
import { verifyAnchorEvidence } from './anchor-evidence.ts';
import type { StorageFinding } from '../domain/merkle/anchor-records.ts';
import { EventTreeChecker } from './event-tree-check.ts';
import { loadTenantEvidence } from './pg-evidence.ts';
import type { AnchorRecord } from '../domain/merkle/anchor-records.ts';
import { type TenantAudit, auditResult as result } from './tenant-audit.ts';
import { readTenantEvents } from './tenant-events.ts';
import { chooseTrustedKeys } from './trusted-keys.ts';

export interface LiveAuditDeps {
  readonly kafka: Kafka;
  readonly eventsTopic: string;
  readonly pool: pg.Pool;
  /** Pinned verifier keys, and the deployment's own (its .pub file), if any. */
  readonly pinnedKeys: readonly string[];
  readonly keyFileVerifierKey?: string;
  /** Compares an anchor with immutable storage. */
  readonly inspectStorage: (anchor: AnchorRecord) => Promise<StorageFinding | null>;
  readonly onProgress?: (events: number) => void;
}

export async function auditTenantLive(deps: LiveAuditDeps, tenantId: string): Promise<TenantAudit> {
  const evidence = await loadTenantEvidence(deps.pool, tenantId);
  const trusted = chooseTrustedKeys(deps.pinnedKeys, deps.keyFileVerifierKey, evidence.recordedKeys);
  const verdict = await verifyAnchorEvidence({
    tenantId, checkpoints: evidence.checkpoints, anchors: evidence.anchors, trustedKeys: trusted.keys, checkStorage: deps.inspectStorage,
  });
  const base = { tenantId, keySource: trusted.source, storageChecked: true, total: evidence.checkpoints.length, unpublished: evidence.unpublished };
  if (!verdict.ok) return result(base, 0, { seq: 0, hash: '' }, [], 0, verdict.failure);

  const checker = new EventTreeChecker(tenantId, verdict.checkpoints);
  let events = 0;
  await readTenantEvents(deps.kafka, deps.eventsTopic, tenantId, (stored) => {
    if (checker.failure !== null) return;
    events++;
    if (stored.ok) checker.push(stored.event, stored.carriedHash);
    else checker.pushUnreadable('UNDECODABLE', `offset ${stored.offset}`, stored.code);
    if (events % 1000 === 0) deps.onProgress?.(events);
  });
  deps.onProgress?.(events);
  const failure = checker.finish();
  return result(base, events, checker.head, verdict.checkpoints, checker.checkpointsMatched, failure ?? undefined);
}
