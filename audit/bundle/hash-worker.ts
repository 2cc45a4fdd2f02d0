// Worker thread of the parallel verifier (parallel-verify.ts): parses and hashes the events of
// one byte range of events.jsonl, the expensive part, and hands back per event its seq, prevHash
// and hash (raw bytes), leaving the chain links and the tree to the main thread. `ok` is false
// when any line fails a local check (JSON, shape, tenant, hash): the main thread then re-checks
// that range sequentially to name the failure exactly.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { eventHash } from '../../domain/chain/event-hash.ts';
import { parseEventLine } from './event-lines.ts';

export interface HashTask {
  readonly id: number;
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly tenantId: string;
}

export interface HashResult {
  readonly id: number;
  readonly ok: boolean;
  readonly count: number;
  readonly lines: number;
  readonly seqs: Float64Array;
  readonly prevs: Uint8Array;
  readonly hashes: Uint8Array;
}

const HEX_64 = /^[0-9a-f]{64}$/;

export function hashRange(task: HashTask): HashResult {
  const bytes = Buffer.allocUnsafe(task.end - task.start);
  const fd = openSync(task.file, 'r');
  try {
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, task.start + read);
      if (n === 0) break;
      read += n;
    }
  } finally {
    closeSync(fd);
  }
  const lines = bytes.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const seqs = new Float64Array(lines.length);
  const prevs = Buffer.alloc(32 * lines.length);
  const hashes = Buffer.alloc(32 * lines.length);
  let count = 0;
  let ok = true;
  for (const line of lines) {
    if (line.length === 0) {
      ok = false; // the sequential verifier counts and skips empty lines: let it
      break;
    }
    const parsed = parseEventLine(line);
    if (!parsed.ok) {
      ok = false;
      break;
    }
    const e = parsed.event;
    if (e.tenantId !== task.tenantId || !Number.isSafeInteger(e.seq) || typeof e.hash !== 'string' || !HEX_64.test(e.hash) || typeof e.prevHash !== 'string' || !HEX_64.test(e.prevHash)) {
      ok = false;
      break;
    }
    let recomputed: string;
    try {
      recomputed = eventHash(e);
    } catch {
      ok = false;
      break;
    }
    if (recomputed !== e.hash) {
      ok = false;
      break;
    }
    seqs[count] = e.seq;
    prevs.write(e.prevHash, count * 32, 'hex');
    hashes.write(e.hash, count * 32, 'hex');
    count++;
  }
  return { id: task.id, ok, count, lines: lines.length, seqs, prevs, hashes };
}

parentPort?.on('message', (task: HashTask) => {
  const result = hashRange(task);
  parentPort!.postMessage(result, [result.seqs.buffer as ArrayBuffer, result.prevs.buffer as ArrayBuffer, result.hashes.buffer as ArrayBuffer]);
});
