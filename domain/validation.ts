// Reusable, pure validators for untrusted input. Each returns a type guard over `unknown`
// so parsers can go from JSON to typed values without casts.

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PRINCIPAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;
// Lone surrogates cannot be encoded as UTF-8, so they would not survive JSON, Avro or PostgreSQL
// unchanged and the hash of a stored event would no longer match what was decided.
const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;

export const MAX_TENANT_NAME_LENGTH = 200;
export const MAX_REASON_LENGTH = 500;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_EMAIL_LOCAL_LENGTH = 64;
export const MIN_INTAKE_BOX_LENGTH = 64;
export const MAX_INTAKE_BOX_LENGTH = 16384;

/** Lowercase 8-4-4-4-12 hex: one spelling per id, so ids compare as strings. */
export function isCanonicalUuid(value: unknown): value is string {
  return typeof value === 'string' && CANONICAL_UUID.test(value);
}

/** User, service and system ids: 1–128 of [A-Za-z0-9._:@-], starting alphanumeric. */
export function isPrincipalId(value: unknown): value is string {
  return typeof value === 'string' && PRINCIPAL_ID.test(value);
}

/** Length in Unicode code points, so an emoji counts as one character. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function isWithinLength(text: string, min: number, max: number): boolean {
  // A code point is at most two UTF-16 units: cheap bounds first, exact count only if needed.
  if (text.length < min || text.length > max * 2) return false;
  const length = codePointLength(text);
  return length >= min && length <= max;
}

export function isEmail(value: unknown): value is string {
  if (typeof value !== 'string' || !isWithinLength(value, 1, MAX_EMAIL_LENGTH)) return false;
  if (WHITESPACE_OR_CONTROL.test(value) || CONTROL_OR_LONE_SURROGATE.test(value)) return false;
  const parts = value.split('@');
  if (parts.length !== 2) return false;
  const [local = '', domain = ''] = parts;
  if (!isWithinLength(local, 1, MAX_EMAIL_LOCAL_LENGTH)) return false;
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((label) => label.length > 0);
}

/** Emails are stored as given but compared case-insensitively. */
export function emailKey(email: string): string {
  return email.toLowerCase();
}

/** 1–200 characters, no leading/trailing whitespace, no control characters. */
export function isTenantName(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    isWithinLength(value, 1, MAX_TENANT_NAME_LENGTH) &&
    value.trim() === value &&
    !CONTROL_OR_LONE_SURROGATE.test(value)
  );
}

/** 1–500 characters, no control characters; an absent reason is omitted, never empty. */
export function isReason(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    isWithinLength(value, 1, MAX_REASON_LENGTH) &&
    !CONTROL_OR_LONE_SURROGATE.test(value)
  );
}

/** Source names follow the tenant-name rule. */
export function isSourceName(value: unknown): value is string {
  return isTenantName(value);
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Canonical unpadded base64url (RFC 4648 §5): the URL-safe alphabet, no padding, a length that
 * some byte string has (never 1 mod 4), and zero trailing bits, so a value has one spelling.
 */
export function isUnpaddedBase64Url(value: unknown): value is string {
  if (typeof value !== 'string' || !BASE64URL.test(value)) return false;
  const tail = value.length % 4;
  if (tail === 1) return false;
  if (tail === 0) return true;
  const last = BASE64URL_ALPHABET.indexOf(value.charAt(value.length - 1));
  // 2 characters carry 1 byte (4 spare bits), 3 characters carry 2 bytes (2 spare bits).
  return (last & (tail === 2 ? 0b1111 : 0b11)) === 0;
}

/** A secret sealed to the processor's intake key, as commands carry it: 64–16384 characters of canonical unpadded base64url. */
export function isIntakeBox(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= MIN_INTAKE_BOX_LENGTH &&
    value.length <= MAX_INTAKE_BOX_LENGTH &&
    isUnpaddedBase64Url(value)
  );
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A SHA-256 digest as 64 lowercase hex digits. */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

/** An integer (a JSON number without fraction) within [min, max]. */
export function isIntegerInRange(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

export function isOneOf<T extends string>(allowed: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

/** A JSON object: not null, not an array, not a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Finds the first shape problem of an object against its field lists: an unknown field or a
 * missing required one. Returns a message naming the field (with `path` prefix), or undefined.
 */
export function findShapeProblem(
  object: Record<string, unknown>,
  required: readonly string[],
  optional: readonly string[],
  path = '',
): string | undefined {
  for (const key of Object.keys(object)) {
    if (!required.includes(key) && !optional.includes(key)) return `unknown field "${path}${key}"`;
  }
  for (const key of required) {
    if (!Object.hasOwn(object, key) || object[key] === undefined) return `missing field "${path}${key}"`;
  }
  return undefined;
}

// Chat turns and memories (issue 7).

/** What crypto_box_seal adds to a box (crypto/vault/intake.ts INTAKE_OVERHEAD_BYTES). */
const INTAKE_SEAL_BYTES = 48;
/** Room for the framing header inside a box (context + JCS binding + "\n"): a binding of
 * principal ids and UUIDs is far below it; the processor checks the exact binding anyway. */
const INTAKE_HEADER_ALLOWANCE_BYTES = 1024;

/**
 * The longest intake box, in base64url characters, that can hold `maxBytes` of content: the
 * domain cannot see inside a box, so it only refuses a box too long for any allowed content. The
 * exact limit (MESSAGE_TOO_LONG) is the processor's, after it opens the box.
 */
export function maxContentBoxLength(maxBytes: number): number {
  return Math.ceil(((maxBytes + INTAKE_SEAL_BYTES + INTAKE_HEADER_ALLOWANCE_BYTES) * 4) / 3);
}

/** Content (a message, reply or memory) sealed to the intake key: an intake box sized for `maxBytes`. */
export function isContentBox(value: unknown, maxBytes: number): value is string {
  return (
    typeof value === 'string' &&
    value.length >= MIN_INTAKE_BOX_LENGTH &&
    value.length <= maxContentBoxLength(maxBytes) &&
    isUnpaddedBase64Url(value)
  );
}

const MODEL_NAME = /^[A-Za-z0-9._:-]{1,100}$/;

/** A model identifier as providers spell them (claude-sonnet-4-5, gpt-4o, mistral-large:latest). */
export function isModelName(value: unknown): value is string {
  return typeof value === 'string' && MODEL_NAME.test(value);
}

const STOP_REASON = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A provider's stop reason, as it reports it (end_turn, max_tokens, stop, length). */
export function isStopReason(value: unknown): value is string {
  return typeof value === 'string' && STOP_REASON.test(value);
}
