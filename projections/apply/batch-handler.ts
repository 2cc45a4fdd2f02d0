// Turns a fetched batch into an applied one: decode, apply in one transaction, retry what
// PostgreSQL lost (connection gone, server restarting) with backoff, seek back on a gap. A
// failure that retrying cannot fix (corrupt event, bug) is reported as fatal and rethrown, so
// the batch is never marked done.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AssignedBatch, AssignedBatchContext } from '../../adapters/kafka/assigned-consumer.ts';
import { isRetriablePgError } from '../pg-errors.ts';
import { applyBatch, type ApplyDeps } from './apply-batch.ts';
import { decodeRecords } from './decode.ts';

export interface ProjectorLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface BatchHandlerOptions {
  readonly deps: ApplyDeps;
  readonly topic: string;
  readonly verifyHashes: boolean;
  readonly log: ProjectorLog;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** After each committed batch: the partition's new position and the events applied. */
  readonly onApplied?: (partition: number, nextOffset: bigint, events: number) => void;
  readonly onFatal: (error: unknown) => void;
}

export function batchHandler(options: BatchHandlerOptions): (batch: AssignedBatch, context: AssignedBatchContext) => Promise<void> {
  const { deps, topic, log } = options;
  return async (batch, context) => {
    let events;
    try {
      events = decodeRecords(batch.records, { verifyHashes: options.verifyHashes });
    } catch (error) {
      options.onFatal(error);
      throw error;
    }
    for (let delay = options.retryInitialMs; ; delay = Math.min(delay * 2, options.retryMaxMs)) {
      try {
        const outcome = await applyBatch(deps, { topic, partition: batch.partition, fromOffset: batch.fromOffset, nextOffset: batch.nextOffset, events });
        if (outcome.kind === 'gap') {
          log.warn({ partition: batch.partition, from: batch.fromOffset.toString(), seekTo: outcome.seekTo.toString() }, 'stored offset behind the fetch position; seeking back');
          context.seek(outcome.seekTo);
          return;
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
