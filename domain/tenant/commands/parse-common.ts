// What every command's parser shares: results that carry a validation rejection, the payload
// shape check, and the field rules several commands use (secrets, reasons, providers).
import { rejection, RejectionCode } from '../../errors.ts';
import type { Rejection } from '../../errors.ts';
import { findShapeProblem, isIntakeBox, isOneOf, isPlainObject, isPrincipalId, isReason } from '../../validation.ts';
import { PROVIDERS } from '../types.ts';
import type { Provider } from '../types.ts';

export type Refused = { readonly ok: false; readonly rejection: Rejection };
export type Parsed<T> = { readonly ok: true; readonly value: T } | Refused;

export function refused(code: RejectionCode, message: string): Refused {
  return { ok: false, rejection: rejection(code, message) };
}

export function invalidField(code: RejectionCode, field: string): Refused {
  return refused(code, `invalid "${field}"`);
}

/** A JSON object with exactly the allowed fields; `path` prefixes field names in messages. */
export function parseShape(
  value: unknown,
  required: readonly string[],
  optional: readonly string[],
  path = '',
): Parsed<Record<string, unknown>> {
  if (!isPlainObject(value)) {
    return refused(RejectionCode.INVALID_PAYLOAD, `${path === '' ? 'payload' : path.slice(0, -1)} must be a JSON object`);
  }
  const problem = findShapeProblem(value, required, optional, path);
  return problem === undefined ? { ok: true, value } : refused(RejectionCode.INVALID_PAYLOAD, problem);
}

/**
 * A secret is given either as an intake box (`field`) or as a legacy value (`legacyField`):
 * exactly one of the two, a shape rule. Absent and undefined are the same, as for any field.
 */
export function exactlyOneOf(object: Record<string, unknown>, field: string, legacyField: string): Refused | undefined {
  if ((object[field] === undefined) === (object[legacyField] === undefined)) {
    return refused(RejectionCode.INVALID_PAYLOAD, `exactly one of "${field}" and "${legacyField}" is required`);
  }
  return undefined;
}

/** The secret of a shape that passed exactlyOneOf: a valid intake box or a valid legacy value. */
export function parseSecretPair<F extends string, L extends string>(
  object: Record<string, unknown>,
  field: F,
  legacyField: L,
): Parsed<{ [K in F]: string } | { [K in L]: string }> {
  const box = object[field];
  if (box !== undefined) {
    return isIntakeBox(box) ? { ok: true, value: { [field]: box } as { [K in F]: string } } : invalidField(RejectionCode.INVALID_SECRET, field);
  }
  // A legacy value travels sealed to intake like any secret: its ciphertext reaches no topic.
  const legacy = object[legacyField];
  return isIntakeBox(legacy) ? { ok: true, value: { [legacyField]: legacy } as { [K in L]: string } } : invalidField(RejectionCode.INVALID_SECRET, legacyField);
}

/** Optional fields: absent (or undefined) is fine and stays absent; anything else must be valid. */
export function parseOptionalReason(value: unknown): Parsed<{ reason?: string }> {
  if (value === undefined) return { ok: true, value: {} };
  return isReason(value) ? { ok: true, value: { reason: value } } : invalidField(RejectionCode.INVALID_REASON, 'reason');
}

export function parseProvider(value: unknown): Parsed<Provider> {
  return isOneOf(PROVIDERS, value) ? { ok: true, value } : invalidField(RejectionCode.INVALID_PROVIDER, 'provider');
}

/** `{ userId, reason? }`: the user a command acts on and why (RemoveMember, EraseUser). */
export function parseUserAndReason(payload: unknown): Parsed<{ userId: string; reason?: string }> {
  const shape = parseShape(payload, ['userId'], ['reason']);
  if (!shape.ok) return shape;
  const { userId } = shape.value;
  if (!isPrincipalId(userId)) return invalidField(RejectionCode.INVALID_USER_ID, 'userId');
  const reason = parseOptionalReason(shape.value.reason);
  if (!reason.ok) return reason;
  return { ok: true, value: { userId, ...reason.value } };
}
