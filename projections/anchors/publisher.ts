// Completes anchors recorded in Postgres (the outbox): pending → stored (immutable storage,
// receipt recorded) → published (the anchors topic), oldest first. Every step is idempotent, so
// a restart redoes whatever a crash interrupted without a duplicate: the store returns the
// original receipt for the same bytes, and an anchor already on the topic is not sent again.
// Transient failures are retried with backoff; anything else stops the anchorer.
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from '../../adapters/postgres/pg.ts';
import type { IdempotentProducer } from '../../adapters/kafka/simple-producer.ts';
import { type AnchorState, type StoredAnchor, NEXT_STATE, markPublished, markStored } from './anchor-repository.ts';
import type { AnchorerLogger } from './anchorer.ts';
import { AnchorerError } from './errors.ts';
import type { AnchorStore } from '../../adapters/storage/anchor-store.ts';
import { AnchorStoreError } from '../../adapters/storage/errors.ts';

export interface PublisherDeps {
  readonly pool: pg.Pool;
  readonly store: AnchorStore;
  readonly producer: IdempotentProducer;
  readonly anchorsTopic: string;
  /** Anchor seqs already on the anchors topic (read at start). */
  readonly onTopic: Set<number>;
  readonly log: AnchorerLogger;
  readonly onPublished: (anchor: StoredAnchor) => void;
  readonly onFatal: (error: unknown) => void;
}

const MAX_BACKOFF_MS = 30_000;

export class AnchorPublisher {
  readonly #deps: PublisherDeps;
  readonly #queue: StoredAnchor[] = [];
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(deps: PublisherDeps) {
    this.#deps = deps;
  }

  enqueue(anchor: StoredAnchor): void {
    this.#queue.push(anchor);
    this.#running ??= this.#run().finally(() => {
      this.#running = null;
    });
  }

  /** Resolves once every queued anchor is published (or the publisher stopped). */
  async idle(): Promise<void> {
    while (this.#running !== null) await this.#running;
  }

  get backlog(): number {
    return this.#queue.length;
  }

  stop(): void {
    this.#stopped = true;
  }

  async #run(): Promise<void> {
    let backoff = 200;
    while (!this.#stopped && this.#queue.length > 0) {
      const anchor = this.#queue[0]!;
      try {
        const done = await this.#complete(anchor);
        this.#queue.shift();
        backoff = 200;
        this.#deps.onPublished(done);
      } catch (error) {
        if (!isTransient(error)) {
          this.#stopped = true;
          this.#deps.onFatal(error);
          return;
        }
        this.#deps.log.warn({ anchorSeq: anchor.seq, err: String(error), retryInMs: backoff }, 'publishing an anchor failed; retrying');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  async #complete(anchor: StoredAnchor): Promise<StoredAnchor> {
    const { pool, store, producer, anchorsTopic, onTopic, log } = this.#deps;
    let current = anchor;
    for (let state: AnchorState | null = anchor.state; state !== 'published' && state !== null; state = NEXT_STATE[state]) {
      if (state === 'pending') {
        if (current.receipt.kind !== store.kind || current.receipt.location !== store.location) {
          throw new AnchorerError('STORE_MISMATCH', `anchor ${anchor.seq} was recorded for ${current.receipt.kind} ${current.receipt.location}, but the configured store is ${store.kind} ${store.location}; restore that configuration until it is published`);
        }
        const receipt = await store.publish(current.receipt.key, Buffer.from(current.note, 'utf8'));
        if (receipt.sha256 !== current.receipt.sha256) throw new AnchorerError('STATE_CORRUPT', `anchor ${anchor.seq}: stored SHA-256 differs from the recorded one`);
        await markStored(pool, anchor.seq, receipt);
        current = { ...current, state: 'stored', receipt };
        log.info({ anchorSeq: anchor.seq, store: receipt.kind, key: receipt.key, versionId: receipt.versionId }, 'anchor written to immutable storage');
      } else {
        if (!onTopic.has(anchor.seq)) {
          await producer.send([{ topic: anchorsTopic, key: String(anchor.seq), value: Buffer.from(current.note, 'utf8') }]);
          onTopic.add(anchor.seq);
        }
        await markPublished(pool, anchor.seq);
        current = { ...current, state: 'published' };
      }
    }
    return current;
  }
}

/** Worth retrying: the store or Kafka did not answer, or Postgres dropped the connection. */
function isTransient(error: unknown): boolean {
  if (error instanceof AnchorerError) return false;
  if (error instanceof AnchorStoreError) return error.retriable;
  const retriable = (error as { retriable?: unknown }).retriable;
  if (typeof retriable === 'boolean') return retriable;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('08') || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01'].includes(code));
}
