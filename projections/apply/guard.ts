// The projector's run guard (issue 12, "Quarantine, not crash"; docs/spec.md "Quarantine"): in
// the batch transaction, every record is admitted by domain/tenant/run-guard.ts against the heads
// and quarantines this consumer stored, and what changed is stored with the offsets. A record
// that breaks its tenant's chain (or does not decode) quarantines that tenant here and is never
// applied; the batch and every other tenant go on.
import type { ExtraRunCheck } from '../../domain/tenant/run-check.ts';
import { RunGuard, type GuardRecord, type NewQuarantine } from '../../domain/tenant/run-guard.ts';
import { loadGuardRows, saveGuardChanges, type Run } from '../../adapters/postgres/quarantine.ts';
import { incrementCounter, QUARANTINE_COUNTERS } from '../../adapters/counters.ts';
import type { ProjectedEvent } from '../models/model.ts';
import type { ProjectorTransaction } from '../writer/projector-transaction.ts';

export interface ProjectorGuardOptions {
  /** The name heads and quarantines are stored under: 'projector', or a rebuild's generations. */
  readonly consumer: string;
  /** Recompute every event's hash (default true; off only for benchmarks). */
  readonly recompute: boolean;
  /** A further check of each event (a signature): its anomalies quarantine as well. */
  readonly extra?: ExtraRunCheck;
}

/** An event the guard let through; `resumed`: skipped while quarantined, now released. */
export interface GuardedEvent extends ProjectedEvent {
  readonly resumed: boolean;
}

export interface Admitted {
  readonly events: GuardedEvent[];
  readonly raised: readonly NewQuarantine[];
  /** Records of quarantined tenants passed over. */
  readonly skipped: number;
}

/** After the transaction committed: the counters (quarantines raised, records skipped). */
export function countAdmitted(consumer: string, admitted: { raised: readonly NewQuarantine[]; skipped: number }): void {
  for (const q of admitted.raised) incrementCounter(QUARANTINE_COUNTERS.raised, { consumer, code: q.anomaly.code });
  incrementCounter(QUARANTINE_COUNTERS.skipped, { consumer }, admitted.skipped);
}

export async function admitRecords(tx: ProjectorTransaction, options: ProjectorGuardOptions, records: readonly GuardRecord[]): Promise<Admitted> {
  if (records.length === 0) return { events: [], raised: [], skipped: 0 };
  const run: Run = async (text, values) => tx.meta(text, values ?? []);
  const tenants = [...new Set(records.map((r) => r.tenantId))];
  const stored = await loadGuardRows(run, options.consumer, tenants);
  const guard = new RunGuard(stored.heads, stored.marks, { recompute: options.recompute, ...(options.extra ? { extra: options.extra } : {}) });
  const events: GuardedEvent[] = [];
  let skipped = 0;
  for (const record of records) {
    const verdict = guard.admit(record);
    if (verdict.kind === 'quarantined') skipped += 1;
    if ((verdict.kind === 'apply' || verdict.kind === 'seen') && record.decoded !== undefined) {
      events.push({ event: record.decoded.event, hash: record.decoded.hash, offset: record.offset, resumed: verdict.kind === 'apply' && verdict.resumed });
    }
  }
  await saveGuardChanges(run, options.consumer, {
    heads: guard.changedHeads(), raised: guard.raised(), dismissed: guard.dismissed(),
    headSeqOf: (tenantId) => guard.headOf(tenantId)?.seq ?? null,
  });
  return { events, raised: guard.raised(), skipped };
}
