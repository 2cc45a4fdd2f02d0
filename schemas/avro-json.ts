// The Avro → logical JSON mapping, implemented once (rules and reasons: docs/spec.md "Avro → logical JSON mapping").
// Every hash and signature is computed over what toJson produces, so toJson(decode(encode(
// fromJson(x)))) must give back x exactly: fromJson rejects anything that would not survive
// that trip (explicit null for an optional field, a float that is not a float32, non-canonical
// base64, unknown keys), instead of silently changing what was hashed.
import type { Type, types } from 'avsc';
import { TIMESTAMP_MILLIS_LONG } from './avro-long.ts';
import { CodecError } from './errors.ts';
import { millisToRfc3339, rfc3339ToMillisOrNull } from './rfc3339.ts';
import { isWellFormed } from './well-formed.ts';

export interface JsonMapping {
  /** A value as avsc decoded it with this type → its logical JSON. */
  toJson(value: unknown): unknown;
  /** Logical JSON → the value avsc encodes; throws SCHEMA_MISMATCH naming `path`. */
  fromJson(json: unknown, path: string): unknown;
}

export interface MappingOptions {
  /**
   * Fields of the top-level record that are passed through as avsc values (Buffer, null)
   * instead of mapped, for envelopes whose logical form holds bytes (payload, signature).
   */
  rawFields?: readonly string[];
}

export function compileJsonMapping(type: Type, options: MappingOptions = {}): JsonMapping {
  return compile(type, new Map(), new Set(options.rawFields));
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

function rfc3339ToMillis(json: unknown, path: string): number {
  const millis = rfc3339ToMillisOrNull(json);
  if (millis === null) throw mismatch(path, 'an RFC 3339 UTC timestamp with milliseconds (YYYY-MM-DDTHH:MM:SS.sssZ)', json);
  return millis;
}

/** An Avro int read by avsc is not range-checked; a longer varint must not pass as an int. */
export function checkedInt(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX) return value;
  throw new CodecError('INVALID_VALUE', 'int outside 32 bits');
}

export function mismatch(path: string, expected: string, found: unknown): CodecError {
  return new CodecError('SCHEMA_MISMATCH', `expected ${expected}, found ${describe(found)}`, { path: path || '(root)' });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  return `a ${typeof value}`;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const identity = (value: unknown): unknown => value;

function leaf(check: (json: unknown) => boolean, expected: string, toJson: (value: unknown) => unknown = identity): JsonMapping {
  return {
    toJson,
    fromJson(json, path) {
      if (!check(json)) throw mismatch(path, expected, json);
      return json;
    },
  };
}

const NULL = leaf((json) => json === null, 'null');
const BOOLEAN = leaf((json) => typeof json === 'boolean', 'a boolean');
const STRING = leaf((json) => typeof json === 'string' && isWellFormed(json), 'a well-formed string');
const INT = leaf((json) => Number.isInteger(json) && (json as number) >= INT_MIN && (json as number) <= INT_MAX, 'a 32-bit integer', checkedInt);
const LONG = leaf(Number.isSafeInteger, 'an integer within ±(2^53-1)');
const DOUBLE = leaf(Number.isFinite, 'a finite number', finiteOrInvalid);
// A JSON number that is not exactly a float32 would come back as a different number.
const FLOAT = leaf((json) => Number.isFinite(json) && Math.fround(json as number) === json, 'a number exactly representable as float32', finiteOrInvalid);
const TIMESTAMP: JsonMapping = {
  toJson: (value) => millisToRfc3339(value as number),
  fromJson: rfc3339ToMillis,
};
const BYTES = bytesMapping(undefined);

function finiteOrInvalid(value: unknown): unknown {
  if (!Number.isFinite(value)) throw new CodecError('INVALID_VALUE', 'NaN and infinities have no JSON form');
  return value;
}

function bytesMapping(size: number | undefined): JsonMapping {
  const expected = size === undefined ? 'canonical base64 (RFC 4648 §4)' : `canonical base64 of ${size} bytes`;
  return {
    toJson: (value) => (value as Buffer).toString('base64'),
    fromJson(json, path) {
      if (typeof json === 'string') {
        const bytes = Buffer.from(json, 'base64');
        // Buffer.from skips junk and ignores trailing bits; only the canonical spelling round-trips.
        if (bytes.toString('base64') === json && (size === undefined || bytes.length === size)) return bytes;
      }
      throw mismatch(path, expected, json);
    },
  };
}

function compile(type: Type, memo: Map<Type, JsonMapping>, rawFields: ReadonlySet<string>): JsonMapping {
  const known = memo.get(type);
  if (known !== undefined) return known;
  switch (type.typeName) {
    case 'null': return NULL;
    case 'boolean': return BOOLEAN;
    case 'int': return INT;
    case 'abstract:long': return type === TIMESTAMP_MILLIS_LONG ? TIMESTAMP : LONG;
    case 'float': return FLOAT;
    case 'double': return DOUBLE;
    case 'bytes': return BYTES;
    case 'string': return STRING;
    case 'fixed': return bytesMapping((type as types.FixedType).size);
    case 'enum': {
      const symbols = new Set((type as types.EnumType).symbols);
      return leaf((json) => typeof json === 'string' && symbols.has(json), `one of ${[...symbols].join('|')}`);
    }
    case 'array': return arrayMapping(compile((type as types.ArrayType).itemsType, memo, NO_RAW));
    case 'map': return mapMapping(compile((type as types.MapType).valuesType as Type, memo, NO_RAW));
    case 'union:unwrapped': return nullableMapping(type, memo);
    case 'record': return recordMapping(type as types.RecordType, memo, rawFields);
    default:
      throw new CodecError('INVALID_SCHEMA_FILE', `Avro type ${type.typeName} has no logical JSON mapping (docs/spec.md "Avro → logical JSON mapping")`);
  }
}

const NO_RAW: ReadonlySet<string> = new Set();

/** The non-null branch of a ["null", T] or [T, "null"] union; other unions have no mapping. */
function nonNullBranch(type: Type): Type | undefined {
  if (type.typeName !== 'union:unwrapped') return undefined;
  const branches = (type as types.UnwrappedUnionType).types;
  const nulls = branches.filter((branch) => branch.typeName === 'null');
  const others = branches.filter((branch) => branch.typeName !== 'null');
  if (branches.length !== 2 || nulls.length !== 1 || others.length !== 1) {
    throw new CodecError('INVALID_SCHEMA_FILE', 'only ["null", T] unions have a logical JSON mapping (docs/spec.md "Avro → logical JSON mapping")');
  }
  return others[0];
}

// A nullable value outside a record field (array item, map value) has nowhere to be "absent",
// so there null stays null.
function nullableMapping(type: Type, memo: Map<Type, JsonMapping>): JsonMapping {
  const inner = compile(nonNullBranch(type)!, memo, NO_RAW);
  return {
    toJson: (value) => (value === null ? null : inner.toJson(value)),
    fromJson: (json, path) => (json === null ? null : inner.fromJson(json, path)),
  };
}

function arrayMapping(items: JsonMapping): JsonMapping {
  return {
    toJson: (value) => (value as unknown[]).map((item) => items.toJson(item)),
    fromJson(json, path) {
      if (!Array.isArray(json)) throw mismatch(path, 'an array', json);
      return json.map((item, i) => items.fromJson(item, `${path}[${i}]`));
    },
  };
}

// avsc builds maps as plain objects, where a "__proto__" key would set the prototype instead
// of adding a member; such a key cannot be carried, so it is refused both ways.
const PROTO_KEY = '__proto__';

function mapMapping(values: JsonMapping): JsonMapping {
  return {
    toJson(value) {
      const map = value as Record<string, unknown>;
      if (Object.getPrototypeOf(map) !== Object.prototype) throw new CodecError('INVALID_VALUE', 'a map key "__proto__" has no logical JSON form');
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(map).sort()) out[key] = values.toJson(map[key]);
      return out;
    },
    fromJson(json, path) {
      if (!isPlainObject(json)) throw mismatch(path, 'an object', json);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(json)) {
        if (!isWellFormed(key) || key === PROTO_KEY) throw mismatch(path, 'well-formed keys other than "__proto__"', key);
        out[key] = values.fromJson(json[key], join(path, key));
      }
      return out;
    },
  };
}

interface CompiledField {
  readonly name: string;
  readonly optional: boolean; // a ["null", T] union: absent in JSON when null
  readonly raw: boolean;
  mapping: JsonMapping;
}

function recordMapping(type: types.RecordType, memo: Map<Type, JsonMapping>, rawFields: ReadonlySet<string>): JsonMapping {
  // Output members in UTF-16 order, so jcs() takes its fast path on decoded values.
  const fields: CompiledField[] = [];
  const names = new Set(type.fields.map((field) => field.name));
  const mapping: JsonMapping = {
    toJson(value) {
      const record = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const field of fields) {
        const member = record[field.name];
        if (field.raw) out[field.name] = member;
        else if (!(field.optional && member === null)) out[field.name] = field.mapping.toJson(member);
      }
      return out;
    },
    fromJson(json, path) {
      if (!isPlainObject(json)) throw mismatch(path, 'an object', json);
      for (const key of Object.keys(json)) {
        if (!names.has(key) && json[key] !== undefined) throw mismatch(join(path, key), `no such field in ${type.name}`, json[key]);
      }
      const out: Record<string, unknown> = {};
      for (const field of fields) {
        const member = json[field.name];
        const memberPath = join(path, field.name);
        if (member === undefined) {
          // A default is for readers of older data, not a way to omit a field when writing:
          // the writer's JSON is what gets hashed.
          if (!field.optional) throw mismatch(memberPath, 'a required field', member);
          out[field.name] = null;
        } else if (field.raw) {
          out[field.name] = member;
        } else if (field.optional && member === null) {
          throw mismatch(memberPath, 'the key to be absent rather than null', member);
        } else {
          out[field.name] = field.mapping.fromJson(member, memberPath);
        }
      }
      return out;
    },
  };
  if (names.has(PROTO_KEY)) throw new CodecError('INVALID_SCHEMA_FILE', `${type.name}: a field named "__proto__" cannot be mapped`);
  if (rawFields.size === 0) memo.set(type, mapping); // before the fields: records may be recursive
  const sorted = [...type.fields].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const field of sorted) {
    const branch = field.type.typeName === 'union:unwrapped' ? nonNullBranch(field.type) : undefined;
    const raw = rawFields.has(field.name);
    fields.push({
      name: field.name,
      optional: branch !== undefined,
      raw,
      mapping: raw ? NULL : compile(branch ?? field.type, memo, NO_RAW),
    });
  }
  return mapping;
}
