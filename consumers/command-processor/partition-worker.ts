// The single writer for one partition (docs/spec.md "Single writer, exactly once"). Lifecycle:
//   new ──init──▶ ready ──fenced──▶ fenced (paused until the group reassigns)
//    ▲                │
//    └──── fatal ─────┘ (writer closed; the next batch re-inits from the log)
// init opens the partition's transactional writer first (fencing any zombie and aborting its
// open transaction), only then rebuilds state and reads the committed offset, so neither can
// change underneath it.
import type { KafkaClient as Kafka } from '../../adapters/kafka/client.ts';
import { readPartitionsToEnd } from '../../adapters/kafka/partition-reader.ts';
import { TransactionalWriter } from '../../adapters/kafka/transactional-writer.ts';
import { KafkaEdgeError, toKafkaEdgeError } from '../../adapters/kafka/errors.ts';
import type { BatchContext, GroupConsumer } from '../../adapters/kafka/group-consumer.ts';
import type { InRecord, OutRecord } from '../../adapters/kafka/messages.ts';
import { decodeEvent, decodeResult, encodeDeadLetter, encodeEvent, encodeResult } from '../../schemas/codec.ts';
import { handleCommandRecords, type BatchOutputs, type CommandContext } from './handle-command.ts';
import { PartitionState, outcomeHorizonMs } from './partition-state.ts';
import { applyStoredEvent, applyStoredResult } from './rebuild.ts';
import { ProcessorCode } from './errors.ts';
import type { CryptoShredder } from './crypto-shredder.ts';
import type { ProcessorLogger, Topics } from './options.ts';

export type WorkerStatus = 'new' | 'ready' | 'fenced' | 'closed';

export interface WorkerDeps {
  readonly kafka: Kafka;
  readonly consumer: GroupConsumer;
  readonly groupId: string;
  readonly transactionalIdPrefix: string;
  readonly topics: Topics;
  readonly context: Omit<CommandContext, 'partition'>;
  readonly reloadKeys: () => Promise<boolean>;
  readonly log: ProcessorLogger;
  readonly maxAttempts: number;
  /** Crypto-shredding of committed erasures (absent when the processor has no key store). */
  readonly shredder?: CryptoShredder;
}

export class PartitionWorker {
  readonly partition: number;
  status: WorkerStatus = 'new';
  private state = new PartitionState();
  private writer: TransactionalWriter | undefined;
  private nextOffset = 0n;
  private readonly deps: WorkerDeps;
  private readonly context: CommandContext;
  /** Outcomes decided longer ago than this (ms) are outside the idempotency window. */
  private readonly outcomeHorizon: number;

  constructor(partition: number, deps: WorkerDeps) {
    this.partition = partition;
    this.deps = deps;
    this.context = { ...deps.context, partition };
    this.outcomeHorizon = outcomeHorizonMs(deps.context.maxCommandAgeMs, deps.context.maxClockSkewMs);
  }

  get tenantCount(): number {
    return this.state.tenants.size;
  }

  async handleBatch(records: InRecord[], batch: BatchContext): Promise<void> {
    if (this.status === 'fenced' || this.status === 'closed') return;
    if (this.status === 'new') {
      try {
        await this.init(batch);
      } catch (error) {
        // The records stay unprocessed (nothing resolved): the next fetch brings them back.
        await this.fail(toKafkaEdgeError(error, `init partition ${this.partition}`));
        await sleep(1_000);
        return;
      }
      this.deps.consumer.seek(this.partition, this.nextOffset.toString());
      return;
    }
    const pending = records.filter((r) => BigInt(r.offset) >= this.nextOffset);
    if (pending.length === 0) return batch.markProcessed(records.at(-1)!.offset);
    if (BigInt(pending[0]!.offset) > this.nextOffset) {
      // Records between the committed offset and this batch were skipped (retention or a
      // stale fetch position); start over from the committed offset.
      this.deps.consumer.seek(this.partition, this.nextOffset.toString());
      return;
    }
    await this.processWithRetries(pending, batch);
  }

  private async processWithRetries(records: InRecord[], batch: BatchContext): Promise<void> {
    let keysReloaded = false;
    for (let attempt = 1; ; attempt++) {
      if (!batch.shouldContinue()) return;
      const view = this.state.begin();
      const out: BatchOutputs = { events: [], results: [], deadLetters: [] };
      try {
        await handleCommandRecords(records, view, this.context, out);
      } catch (error) {
        // Sealing could not reach the key store: nothing of this batch is committed; try again.
        if (attempt < this.deps.maxAttempts) {
          this.deps.log.warn({ partition: this.partition, attempt, err: String(error) }, 'sealing a secret failed; retrying the batch');
          await batch.heartbeat();
          await sleep(Math.min(50 * 2 ** attempt, 2_000));
          continue;
        }
        await this.fail(toKafkaEdgeError(error, `partition ${this.partition}`));
        return;
      }
      if (!keysReloaded && out.results.some((r) => r.code === ProcessorCode.UNKNOWN_PRODUCER_KEY && !r.replayed)) {
        keysReloaded = true;
        if (await this.deps.reloadKeys()) continue; // decide again with the fresh registry
      }
      const last = records.at(-1)!.offset;
      try {
        await this.writer!.commit(this.toOutRecords(out), {
          groupId: this.deps.groupId, topic: this.deps.topics.commands, partition: this.partition, nextOffset: (BigInt(last) + 1n).toString(),
        });
      } catch (error) {
        const failure = toKafkaEdgeError(error, `partition ${this.partition}`);
        if (failure.retriable && attempt < this.deps.maxAttempts) {
          this.deps.log.warn({ partition: this.partition, attempt, kind: failure.kind, err: failure.message }, 'transaction aborted; retrying the batch');
          await batch.heartbeat();
          await sleep(Math.min(50 * 2 ** attempt, 2_000));
          continue;
        }
        await this.fail(failure);
        return;
      }
      view.mergeIntoBase();
      const now = this.context.now().getTime();
      this.state.forgetOutcomesBefore(now - this.outcomeHorizon, now);
      this.nextOffset = BigInt(last) + 1n;
      batch.markProcessed(last);
      await this.deps.shredder?.afterCommit(out.events);
      return;
    }
  }

  private toOutRecords(out: BatchOutputs): OutRecord[] {
    const { topics } = this.deps;
    const p = this.partition;
    return [
      ...out.events.map((e) => ({ topic: topics.events, partition: p, key: e.tenantId, value: encodeEvent(e, e.hash) })),
      // Results are keyed by commandId but co-partitioned with the tenant (docs/adr/0001).
      ...out.results.map((r) => ({ topic: topics.results, partition: p, key: r.commandId, value: encodeResult(r) })),
      ...out.deadLetters.map((d) => ({ topic: topics.deadLetter, key: d.originalKey, value: encodeDeadLetter(d) })),
    ];
  }

  private async init(batch: BatchContext): Promise<void> {
    const { kafka, topics, transactionalIdPrefix, log } = this.deps;
    const started = Date.now();
    this.writer = await TransactionalWriter.open(kafka, `${transactionalIdPrefix}-${this.partition}`);
    const state = new PartitionState();
    const outcomesSince = this.context.now().getTime() - this.outcomeHorizon;
    let events = 0;
    await readPartitionsToEnd(kafka, {
      topic: topics.events, partitions: [this.partition], onProgress: batch.heartbeat,
      onRecords: (_p, records) => {
        for (const r of records) {
          const { event, carriedHash } = decodeEvent(r.value!);
          applyStoredEvent(state, event, carriedHash, outcomesSince);
          events++;
        }
      },
    });
    await readPartitionsToEnd(kafka, {
      topic: topics.results, partitions: [this.partition], onProgress: batch.heartbeat,
      onRecords: (_p, records) => { for (const r of records) applyStoredResult(state, decodeResult(r.value!), outcomesSince); },
    });
    this.state = state;
    await this.deps.shredder?.afterRebuild(state.tenants);
    const committed = await this.deps.consumer.committedOffset(kafka, this.partition);
    this.nextOffset = committed === null ? 0n : BigInt(committed);
    this.status = 'ready';
    const corrupt = [...state.tenants].filter(([, h]) => h.corrupt).map(([t, h]) => ({ tenantId: t, problem: h.corrupt }));
    if (corrupt.length > 0) log.error({ partition: this.partition, corrupt }, 'stored chains failed verification; their tenants are refused');
    log.info({ partition: this.partition, events, tenants: state.tenants.size, nextOffset: this.nextOffset.toString(), ms: Date.now() - started }, 'partition ready');
  }

  private async fail(failure: KafkaEdgeError): Promise<void> {
    await this.writer?.close();
    this.writer = undefined;
    this.state = new PartitionState();
    if (failure.kind === 'fenced' && this.status === 'ready') {
      this.status = 'fenced';
      this.deps.consumer.pause(this.partition);
      this.deps.log.warn({ partition: this.partition }, 'fenced by a newer writer; pausing until the group reassigns this partition');
    } else {
      this.status = 'new';
      this.deps.log.error({ partition: this.partition, err: failure.message }, 'transaction failed; rebuilding the partition from the log');
    }
  }

  async close(): Promise<void> {
    this.status = 'closed';
    await this.writer?.close();
    this.writer = undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
