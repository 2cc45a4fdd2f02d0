// The projector's run guard (issue 12, "Quarantine, not crash"; docs/spec.md "Quarantine"): in
// the batch transaction, every record is admitted by domain/tenant/run-guard.ts against the heads
// and quarantines this consumer stored, and what changed is stored with the offsets. A record
// that breaks its tenant's chain (or does not decode) quarantines that tenant here and is never
// applied; the batch and every other tenant go on.
import type { ExtraRunCheck } from '../../domain/tenant/run-check.ts';
import type { GuardRecord } from '../../domain/tenant/run-guard.ts';
import { admitBatch, saveAdmitted, type AdmittedBatch, type Run } from '../../adapters/postgres/quarantine.ts';
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
  /** Report once the transaction committed (reportAdmitted). */
  readonly batch: AdmittedBatch;
}

export async function admitRecords(tx: ProjectorTransaction, options: ProjectorGuardOptions, records: readonly GuardRecord[]): Promise<Admitted> {
  const run: Run = async (text, values) => tx.meta(text, values ?? []);
  const batch = await admitBatch(run, options.consumer, records, { recompute: options.recompute, ...(options.extra ? { extra: options.extra } : {}) });
  const events: GuardedEvent[] = [];
  records.forEach((record, i) => {
    const verdict = batch.verdicts[i]!;
    if ((verdict.kind === 'apply' || verdict.kind === 'seen') && record.decoded !== undefined) {
      events.push({ event: record.decoded.event, hash: record.decoded.hash, offset: record.offset, resumed: verdict.kind === 'apply' && verdict.resumed });
    }
  });
  await saveAdmitted(run, batch);
  return { events, batch };
}
