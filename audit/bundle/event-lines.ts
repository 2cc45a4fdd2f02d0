// One line of events.jsonl, parsed for the verifier: the hot path of `palisade-verify`, shared by
// the sequential verifier and the hashing workers.
import type { HashedEvent } from '../../domain/logical.ts';
import { inCanonicalOrder } from './canonical-order.ts';

export type ParsedLine = { readonly ok: true; readonly event: HashedEvent } | { readonly ok: false; readonly problem: string };

/**
 * JSON and just enough shape to hash it: the full shape check (regexes, a date parse) costs as
 * much as the hash, and an event whose hash, chain link and tree root all match is the one the
 * writer validated; so callers run domain/chain/validate-event.ts only when something failed, to name
 * a malformed line as such. Nested objects are put in RFC 8785 order (canonical-order.ts).
 */
export function parseEventLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  if (!isObject(value) || !isObject(value.payload) || !isObject(value.actor)) return { ok: false, problem: 'NOT_AN_OBJECT' };
  // In place: the parsed value is ours, and a copy per event shows in the profile.
  value.actor = inCanonicalOrder(value.actor);
  value.payload = inCanonicalOrder(value.payload);
  return { ok: true, event: value as unknown as HashedEvent };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
