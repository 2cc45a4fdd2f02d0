// Liveness for the processor. kafkajs can stop delivering batches after a broker restart with
// nothing thrown (seen in CI: a member sat idle for minutes with commands waiting). When
// commands wait behind the group's committed offsets and no batch has made progress for
// `stallMs`, the guard calls `recover` (the processor replaces its consumer; fencing keeps
// that safe even if the old one wakes up).
import type { KafkaClient as Kafka } from '../../adapters/kafka/client.ts';
import { endOffsets } from '../../adapters/kafka/partition-reader.ts';
import { committedOffsets } from '../../adapters/kafka/groups.ts';
import { withWatchdog } from '../../adapters/kafka/watchdog.ts';

export interface StallGuardOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: string;
  readonly stallMs: number;
  readonly recover: (waiting: number) => Promise<void>;
  readonly onError: (error: unknown) => void;
}

export class StallGuard {
  private lastProgress = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private readonly options: StallGuardOptions;

  constructor(options: StallGuardOptions) {
    this.options = options;
  }

  /** Any sign of life: a batch started, a rebuild read a batch, a transaction committed. */
  progress(): void {
    this.lastProgress = Date.now();
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), Math.min(5_000, this.options.stallMs / 2));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.checking || Date.now() - this.lastProgress < this.options.stallMs) return;
    this.checking = true;
    try {
      const waiting = await withWatchdog(this.commandsWaiting(), 10_000, 'stall check');
      if (waiting > 0) await this.options.recover(waiting);
      this.progress();
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.checking = false;
    }
  }

  private async commandsWaiting(): Promise<number> {
    const { kafka, groupId, topic } = this.options;
    const [ends, committed] = await Promise.all([endOffsets(kafka, topic), committedOffsets(kafka, groupId, topic)]);
    let waiting = 0;
    for (const [partition, { high, low }] of ends) {
      const position = committed.get(partition) ?? low;
      waiting += Number(BigInt(high) - BigInt(position));
    }
    return waiting;
  }
}
