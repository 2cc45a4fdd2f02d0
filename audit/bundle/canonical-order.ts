// Puts a parsed JSON value's object members in RFC 8785 order (UTF-16 code units, §3.2.3), so
// that domain/chain/jcs.ts serializes it with one native JSON.stringify instead of its reference path:
// events.jsonl lists payload members in schema order, and the reference canonicalizer costs
// more than the SHA-256 itself. Values are only reordered, never changed, so the hash is the
// same either way (jcs() still checks the order before taking its fast path).
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

export function inCanonicalOrder<T>(value: T): T {
  return isOrdered(value) ? value : (reorder(value) as T);
}

/** True when every object in `value` already lists its members in canonical order (no allocation). */
function isOrdered(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isOrdered(value[i])) return false;
    return true;
  }
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && !(previous < key)) return false;
    if (!isOrdered((value as Record<string, unknown>)[key])) return false;
    previous = key;
  }
  return true;
}

function reorder(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(reorder);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // JS enumerates array-index keys first, numerically: no insertion order can make them
  // canonical, so such objects are left as they are for the reference canonicalizer.
  if (keys.some((key) => ARRAY_INDEX.test(key))) return value;
  keys.sort();
  const ordered: Record<string, unknown> = {};
  for (const key of keys) {
    // JSON.parse makes "__proto__" an own member; assigning it would set the prototype instead.
    if (key === '__proto__') Object.defineProperty(ordered, key, { value: reorder(record[key]), enumerable: true, writable: true, configurable: true });
    else ordered[key] = reorder(record[key]);
  }
  return ordered;
}
