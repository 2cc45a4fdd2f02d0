// Strict shape check of a logical event (docs/spec.md "Event envelope", normative field list).
// The hash covers whatever the event holds; this check is what keeps malformed values (an
// uppercase UUID, a second-precision timestamp) from ever being hashed and appended.
import type { HashedEvent, LogicalEvent } from '../logical.ts';
import { isWellFormed } from './well-formed.ts';

export type EventShapeErrorCode =
  | 'NOT_AN_OBJECT'
  | 'UNKNOWN_FIELD'
  | 'INVALID_TENANT_ID'
  | 'INVALID_SEQ'
  | 'INVALID_PREV_HASH'
  | 'INVALID_EVENT_ID'
  | 'INVALID_TYPE'
  | 'INVALID_SCHEMA_VERSION'
  | 'INVALID_OCCURRED_AT'
  | 'INVALID_ACTOR'
  | 'INVALID_COMMAND_ID'
  | 'INVALID_PAYLOAD'
  | 'INVALID_HASH';

// RFC 9562 §4 textual form; lowercase only, because the hash covers the exact string and
// RFC 9562 asks for lowercase output.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX_256 = /^[0-9a-f]{64}$/;
// RFC 3339 §5.6 restricted to UTC ("Z") with exactly three fractional digits.
const RFC3339_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// An Avro record name (the payload schema's short name).
const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INT32_MAX = 2 ** 31 - 1;

const EVENT_KEYS = new Set([
  'tenantId', 'seq', 'prevHash', 'eventId', 'type', 'schemaVersion', 'occurredAt', 'actor', 'commandId', 'payload',
]);
const ACTOR_KINDS = new Set(['user', 'service', 'system']);

/** null when `value` is a well-formed LogicalEvent (and nothing more), else the first problem. */
export function validateLogicalEvent(value: unknown): EventShapeErrorCode | null {
  return validate(value, false);
}

/** As validateLogicalEvent, for an exported event that also carries its `hash`. */
export function validateHashedEvent(value: unknown): EventShapeErrorCode | null {
  return validate(value, true);
}

export function isLogicalEvent(value: unknown): value is LogicalEvent {
  return validate(value, false) === null;
}

export function isHashedEvent(value: unknown): value is HashedEvent {
  return validate(value, true) === null;
}

function validate(value: unknown, withHash: boolean): EventShapeErrorCode | null {
  if (!isPlainObject(value)) return 'NOT_AN_OBJECT';
  for (const key of Object.keys(value)) {
    if (!EVENT_KEYS.has(key) && !(withHash && key === 'hash')) return 'UNKNOWN_FIELD';
  }
  const e = value;
  if (!isUuid(e.tenantId)) return 'INVALID_TENANT_ID';
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) return 'INVALID_SEQ';
  if (!isHex256(e.prevHash)) return 'INVALID_PREV_HASH';
  if (!isUuid(e.eventId)) return 'INVALID_EVENT_ID';
  if (typeof e.type !== 'string' || !TYPE_NAME.test(e.type)) return 'INVALID_TYPE';
  if (!Number.isInteger(e.schemaVersion) || (e.schemaVersion as number) < 1 || (e.schemaVersion as number) > INT32_MAX) {
    return 'INVALID_SCHEMA_VERSION';
  }
  if (!isRfc3339UtcMillis(e.occurredAt)) return 'INVALID_OCCURRED_AT';
  if (!isActor(e.actor)) return 'INVALID_ACTOR';
  if (!isUuid(e.commandId)) return 'INVALID_COMMAND_ID';
  if (!isPlainObject(e.payload) || !isJsonValue(e.payload)) return 'INVALID_PAYLOAD';
  if (withHash && !isHex256(e.hash)) return 'INVALID_HASH';
  return null;
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function isHex256(value: unknown): value is string {
  return typeof value === 'string' && HEX_256.test(value);
}

/** RFC 3339 UTC with milliseconds, and a real instant (no Feb 30, no hour 24). */
export function isRfc3339UtcMillis(value: unknown): value is string {
  if (typeof value !== 'string' || !RFC3339_UTC_MS.test(value)) return false;
  const millis = Date.parse(value);
  return !Number.isNaN(millis) && new Date(millis).toISOString() === value;
}

function isActor(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 2 &&
    typeof value.kind === 'string' && ACTOR_KINDS.has(value.kind) &&
    typeof value.id === 'string' && value.id.length > 0 && isWellFormed(value.id)
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value with an RFC 8785 form: JSON types only, finite numbers, well-formed strings. */
function isJsonValue(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      return isWellFormed(value);
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object':
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isJsonValue);
      if (!isPlainObject(value)) return false;
      for (const key of Object.keys(value)) {
        if (!isWellFormed(key) || !isJsonValue(value[key])) return false;
      }
      return true;
    default:
      return false;
  }
}
