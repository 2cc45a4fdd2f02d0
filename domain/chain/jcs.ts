// RFC 8785 JSON Canonicalization Scheme. The `canonicalize` package (docs/spec.md names it) is the
// reference; a fast path covers values that are already in canonical member order.
import canonicalize from 'canonicalize';
import { ChainError } from './errors.ts';
import { isWellFormed } from './well-formed.ts';

export function jcs(value: unknown): string {
  // RFC 8785 §3.2.2 serializes literals, strings and numbers exactly as ECMAScript
  // JSON.stringify does, and §3.2.3 only adds member sorting. So when every object already
  // lists its members in UTF-16 order (as the Avro decoder builds them), JSON.stringify IS the
  // canonical form, at a fraction of the cost. Anything else takes the reference path.
  if (isInCanonicalOrder(value)) return JSON.stringify(value);
  return canonicalizeOrThrow(value);
}

function canonicalizeOrThrow(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (cause) {
    throw new ChainError('NOT_CANONICALIZABLE', `value has no RFC 8785 form: ${String(cause)}`, { cause });
  }
  if (text === undefined) {
    throw new ChainError('NOT_CANONICALIZABLE', `value has no JSON representation (${typeof value})`);
  }
  return text;
}

/**
 * True when JSON.stringify(value) equals the RFC 8785 form: only plain objects (members in
 * strictly ascending UTF-16 order, none undefined), arrays, well-formed strings, finite numbers,
 * booleans and null. Integer-like keys fail the order test (JS enumerates them numerically), so
 * they take the reference path; so do toJSON, Buffers, Dates and boxed primitives.
 */
function isInCanonicalOrder(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      return isWellFormed(value); // JSON.stringify would escape a lone surrogate; JCS rejects it
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isInCanonicalOrder(value[i])) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      const record = value as Record<string, unknown>;
      let previous: string | undefined;
      for (const key in record) {
        if (previous !== undefined && !(previous < key)) return false;
        if (!isWellFormed(key)) return false;
        const member = record[key];
        if (member === undefined || !isInCanonicalOrder(member)) return false;
        previous = key;
      }
      return true;
    }
    default:
      return false;
  }
}
