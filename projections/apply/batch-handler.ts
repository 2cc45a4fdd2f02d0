// Turns a fetched batch into an applied one: decode, admit through the run guard and apply in
// one transaction, retry what PostgreSQL lost (connection gone, server restarting) with backoff,
// seek back on a gap. A record that breaks its tenant's chain or does not decode quarantines
// that tenant (apply/guard.ts), logged as an error; a failure that retrying cannot fix (a bug)
// is reported as fatal and rethrown, so the batch is never marked done.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AssignedBatch, AssignedBatchContext } from '../../adapters/kafka/assigned-consumer.ts';
import { isRetriablePgError } from '../pg-errors.ts';
import { applyBatch, type ApplyDeps } from './apply-batch.ts';
import { toGuardRecord } from '../../schemas/guard-record.ts';
import type { NewQuarantine } from '../../domain/tenant/run-guard.ts';
import { reportAdmitted } from '../../adapters/postgres/quarantine.ts';

export interface ProjectorLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface BatchHandlerOptions {
  readonly deps: ApplyDeps;
  readonly topic: string;
  readonly log: ProjectorLog;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** After each committed batch: the partition's new position and the events applied. */
  readonly onApplied?: (partition: number, nextOffset: bigint, events: number) => void;
  readonly onFatal: (error: unknown) => void;
  /** After the batch that raised it committed: a tenant quarantined in this consumer. */
  readonly onQuarantined?: (quarantine: NewQuarantine) => void;
}

export function batchHandler(options: BatchHandlerOptions): (batch: AssignedBatch, context: AssignedBatchContext) => Promise<void> {
  const { deps, topic, log } = options;
  return async (batch, context) => {
    const records = batch.records.map(toGuardRecord);
    for (let delay = options.retryInitialMs; ; delay = Math.min(delay * 2, options.retryMaxMs)) {
      try {
        const outcome = await applyBatch(deps, { topic, partition: batch.partition, fromOffset: batch.fromOffset, nextOffset: batch.nextOffset, records });
        if (outcome.kind === 'gap') {
          log.warn({ partition: batch.partition, from: batch.fromOffset.toString(), seekTo: outcome.seekTo.toString() }, 'stored offset behind the fetch position; seeking back');
          context.seek(outcome.seekTo);
          return;
        }
        if (outcome.admitted !== undefined) {
          reportAdmitted(outcome.admitted, log);
          for (const q of outcome.admitted.guard.raised()) options.onQuarantined?.(q);
        }
        options.onApplied?.(batch.partition, batch.nextOffset, outcome.events);
        return;
      } catch (error) {
        if (!isRetriablePgError(error)) {
          options.onFatal(error);
          throw error;
        }
        if (!context.shouldContinue()) throw error;
        log.warn({ partition: batch.partition, err: String(error), retryInMs: delay }, 'applying a batch failed; retrying');
        await sleep(delay);
        await context.heartbeat().catch(() => undefined);
      }
    }
  };
}
