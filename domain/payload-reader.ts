// Typed readers for JSON the domain wrote itself (stored event payloads): each checks one value's
// shape and JavaScript types and hands it back typed, or says where it is malformed. Not the
// validation of untrusted input (that is each command's parser, with rejection codes): the value
// rules (ids, emails, lengths) were checked when the event was decided, and are not checked again.
// Messages name fields and types, never values.
import { findShapeProblem, isIntegerInRange, isOneOf, isPlainObject } from './validation.ts';

export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly path: string; readonly problem: string };
/** Reads `value`, found at `path` ('' for the payload itself, else dotted field names). */
export type Reader<T> = (value: unknown, path: string) => Read<T>;

type Readers = Readonly<Record<string, Reader<unknown>>>;
type ReadOf<R> = R extends Reader<infer T> ? T : never;
/** The object a `record` reader gives: required fields, and optional ones absent when not given. */
export type RecordOf<R extends Readers, O extends Readers> = { readonly [K in keyof R]: ReadOf<R[K]> } & { readonly [K in keyof O]?: ReadOf<O[K]> };

function malformed(path: string, problem: string): Read<never> {
  return { ok: false, path, problem: `${path === '' ? 'payload' : `"${path}"`} ${problem}` };
}

export const text: Reader<string> = (value, path) => (typeof value === 'string' ? { ok: true, value } : malformed(path, 'is not a string'));

export const integer: Reader<number> = (value, path) =>
  isIntegerInRange(value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) ? { ok: true, value } : malformed(path, 'is not an integer');

export function oneOf<const T extends string>(values: readonly T[]): Reader<T> {
  return (value, path) => (isOneOf(values, value) ? { ok: true, value } : malformed(path, `is not one of ${values.join('|')}`));
}

export function exactly<T extends number | string>(expected: T): Reader<T> {
  return (value, path) => (value === expected ? { ok: true, value: expected } : malformed(path, `is not ${JSON.stringify(expected)}`));
}

/**
 * A JSON object with exactly these fields: every `required` one, any of the `optional` ones
 * (absent stays absent; null is not absent), nothing else.
 */
export function record<R extends Readers, O extends Readers = Record<never, never>>(required: R, optional?: O): Reader<RecordOf<R, O>> {
  const requiredKeys = Object.keys(required);
  const optionalKeys = Object.keys(optional ?? {});
  const fields = [...Object.entries(required), ...Object.entries(optional ?? {})];
  return (value, path) => {
    if (!isPlainObject(value)) return malformed(path, 'is not a JSON object');
    const problem = findShapeProblem(value, requiredKeys, optionalKeys, path === '' ? '' : `${path}.`);
    if (problem !== undefined) return { ok: false, path, problem };
    const out: Record<string, unknown> = {};
    for (const [key, read] of fields) {
      if (value[key] === undefined) continue; // an optional field: required ones are present (findShapeProblem)
      const field = read(value[key], path === '' ? key : `${path}.${key}`);
      if (!field.ok) return field;
      out[key] = field.value;
    }
    // Every field was read by its own reader and nothing else was copied: `out` is the mapped type.
    return { ok: true, value: out as RecordOf<R, O> };
  };
}

/** A reader with one more rule over the value it read; `rule` returns the problem, if any. */
export function refine<T>(read: Reader<T>, rule: (value: T) => string | undefined): Reader<T> {
  return (value, path) => {
    const result = read(value, path);
    if (!result.ok) return result;
    const problem = rule(result.value);
    return problem === undefined ? result : { ok: false, path, problem };
  };
}
