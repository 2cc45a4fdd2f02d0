// A dead letter must always fit in its topic. A command record can be as large as the commands
// topic allows (TOPIC_MAX_MESSAGE_BYTES); copied whole into a dead letter with its metadata it
// would not fit, the transaction would fail for good, and the partition would retry the same
// batch forever. So a dead letter keeps at most the first DEAD_LETTER_MAX_VALUE_BYTES of the
// original value (and DEAD_LETTER_MAX_KEY_BYTES of its key) and names the whole record by its
// size and SHA-256 in the reason (docs/spec.md "Dead-letter codes").
import { createHash } from 'node:crypto';

export const DEAD_LETTER_MAX_VALUE_BYTES = 64 * 1024;
export const DEAD_LETTER_MAX_KEY_BYTES = 256;

export interface BoundedOriginal {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Appended to the reason when anything was cut; empty otherwise. */
  readonly note: string;
}

function cut(bytes: Buffer | null, limit: number, what: string): { bytes: Buffer | null; note: string } {
  if (bytes === null || bytes.length <= limit) return { bytes, note: '' };
  const digest = createHash('sha256').update(bytes).digest('hex');
  return { bytes: Buffer.from(bytes.subarray(0, limit)), note: `; original ${what} truncated to its first ${limit} of ${bytes.length} bytes (sha256 ${digest})` };
}

export function boundedOriginal(key: Buffer | null, value: Buffer | null): BoundedOriginal {
  const k = cut(key, DEAD_LETTER_MAX_KEY_BYTES, 'key');
  const v = cut(value, DEAD_LETTER_MAX_VALUE_BYTES, 'value');
  return { key: k.bytes, value: v.bytes, note: `${k.note}${v.note}` };
}
