// `palisade-verify --jobs N`: the event pass spread over N worker threads. Workers parse and hash
// byte ranges of events.jsonl (hash-worker.ts); the main thread walks the results in order,
// checking each link (seq, prevHash) and growing the tenant's tree against the checkpoints. Any
// anomaly in a range sends that range through the sequential checker, resumed from the range's
// start, so a failure is named exactly as `--jobs 1` names it.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CompactRange } from '../../domain/merkle/compact-range.ts';
import { leafHash } from '../../domain/merkle/hash.ts';
import type { VerifiedCheckpoint } from '../anchor-evidence.ts';
import { type CheckerPosition, EventTreeChecker } from '../event-tree-check.ts';
import { checkEventLines } from './check-lines.ts';
import type { HashResult, HashTask } from './hash-worker.ts';

const CHUNK_BYTES = 8 << 20;

interface Chunk {
  readonly start: number;
  readonly end: number;
}

export interface EventPassOutcome {
  readonly checker: EventTreeChecker;
  readonly events: number;
}

export interface ParallelOptions {
  readonly jobs: number;
  /** Size of the byte ranges handed to workers; 8 MiB by default (tests use tiny ones). */
  readonly chunkBytes?: number;
  readonly onProgress?: (events: number) => void;
}

export async function verifyEventsInParallel(file: string, tenantId: string, checkpoints: readonly VerifiedCheckpoint[], options: ParallelOptions): Promise<EventPassOutcome> {
  const { jobs, onProgress } = options;
  const chunks = lineAlignedChunks(file, options.chunkBytes ?? CHUNK_BYTES);
  const pool = new WorkerPool(jobs);
  try {
    const pending: Promise<HashResult>[] = [];
    let scheduled = 0;
    const schedule = (upTo: number) => {
      for (; scheduled < chunks.length && scheduled < upTo; scheduled++) {
        const chunk = chunks[scheduled]!;
        pending[scheduled] = pool.run({ id: scheduled, file, start: chunk.start, end: chunk.end, tenantId });
      }
    };
    const walker = new ChainWalker(checkpoints);
    let lines = 0;
    for (let k = 0; k < chunks.length; k++) {
      schedule(k + 2 * jobs);
      const result = await pending[k]!;
      const atStart = walker.position();
      const eventsAtStart = walker.events;
      if (!result.ok || !walker.walk(result)) {
        // Re-check this range the sequential way, from its start, to name the failure exactly.
        const checker = new EventTreeChecker(tenantId, checkpoints, atStart);
        let events = eventsAtStart;
        await checkEventLines(file, checker, { range: { ...chunks[k]!, firstLine: lines + 1 }, onEvent: () => events++ });
        if (checker.failure !== null) return { checker, events };
        walker.resume(checker.position(), events);
      }
      lines += result.lines;
      onProgress?.(walker.events);
    }
    const checker = new EventTreeChecker(tenantId, checkpoints, walker.position());
    checker.finish();
    return { checker, events: walker.events };
  } finally {
    await pool.close();
  }
}

/** The main thread's share: links and tree, over hashes the workers computed and checked. */
class ChainWalker {
  readonly #checkpoints: readonly VerifiedCheckpoint[];
  #seq = 0;
  #lastHash: Buffer = Buffer.alloc(32);
  #tree: CompactRange;
  #nextCheckpoint = 0;
  events = 0;

  constructor(checkpoints: readonly VerifiedCheckpoint[]) {
    this.#checkpoints = checkpoints;
    this.#tree = CompactRange.empty();
  }

  position(): CheckerPosition {
    return { head: { seq: this.#seq, hash: this.#lastHash.toString('hex') }, tree: this.#tree.clone(), nextCheckpoint: this.#nextCheckpoint };
  }

  resume(position: CheckerPosition, events: number): void {
    this.#seq = position.head.seq;
    this.#lastHash = Buffer.from(position.head.hash, 'hex');
    this.#tree = position.tree;
    this.#nextCheckpoint = position.nextCheckpoint;
    this.events = events;
  }

  /** Applies a range's events; false at the first anomaly (state is then unspecified: resume()). */
  walk(r: HashResult): boolean {
    const prevs = Buffer.from(r.prevs.buffer, r.prevs.byteOffset, r.prevs.byteLength);
    const hashes = Buffer.from(r.hashes.buffer, r.hashes.byteOffset, r.hashes.byteLength);
    for (let i = 0; i < r.count; i++) {
      const at = i * 32;
      if (r.seqs[i] !== this.#seq + 1) return false;
      const linked = i === 0 ? prevs.compare(this.#lastHash, 0, 32, 0, 32) === 0 : prevs.compare(hashes, at - 32, at, at, at + 32) === 0;
      if (!linked) return false;
      this.#tree.append(leafHash(hashes.subarray(at, at + 32)));
      this.#seq++;
      this.events++;
      const checkpoint = this.#checkpoints[this.#nextCheckpoint];
      if (checkpoint !== undefined && checkpoint.size === this.#seq) {
        if (!this.#tree.root().equals(checkpoint.root)) return false;
        this.#nextCheckpoint++;
      }
    }
    if (r.count > 0) this.#lastHash = Buffer.from(hashes.subarray((r.count - 1) * 32, r.count * 32));
    return true;
  }
}

/** Byte ranges of about `size` bytes, each starting at a line start. */
function lineAlignedChunks(file: string, size: number): Chunk[] {
  const total = statSync(file).size;
  const chunks: Chunk[] = [];
  const fd = openSync(file, 'r');
  try {
    const probe = Buffer.alloc(64 * 1024);
    let start = 0;
    while (start < total) {
      let end = Math.min(start + size, total);
      while (end < total) {
        const n = readSync(fd, probe, 0, probe.length, end);
        const newline = probe.subarray(0, n).indexOf(0x0a);
        if (newline >= 0) {
          end += newline + 1;
          break;
        }
        end += n;
      }
      chunks.push({ start, end: Math.min(end, total) });
      start = Math.min(end, total);
    }
  } finally {
    closeSync(fd);
  }
  return chunks;
}

class WorkerPool {
  readonly #idle: Worker[] = [];
  readonly #all: Worker[] = [];
  readonly #queue: { task: HashTask; resolve: (r: HashResult) => void; reject: (e: unknown) => void }[] = [];

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./hash-worker.ts', import.meta.url));
      this.#all.push(worker);
      this.#idle.push(worker);
    }
  }

  run(task: HashTask): Promise<HashResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ task, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const worker = this.#idle.pop()!;
      const job = this.#queue.shift()!;
      const onMessage = (result: HashResult) => {
        worker.off('error', onError);
        this.#idle.push(worker);
        job.resolve(result);
        this.#dispatch();
      };
      const onError = (error: unknown) => {
        worker.off('message', onMessage);
        job.reject(error);
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.postMessage(job.task);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#all.map((w) => w.terminate()));
  }
}
