// What idempotency compares: the content of a command, not its record bytes. A producer that
// retries a command re-issues it (a new issuedAt, so new bytes and a new signature) and re-seals
// its secrets (crypto_box_seal is randomized, so new boxes); that is still the same command. A
// commandId reused with another type, actor or payload is not (IDEMPOTENCY_CONFLICT).
import { jcs } from '../../domain/chain/jcs.ts';
import { sha256 } from '../../domain/chain/sha256.ts';
import type { JsonValue, LogicalCommand } from '../../domain/logical.ts';
import { MIN_INTAKE_BOX_LENGTH } from '../../domain/validation.ts';

const SEALED = '<sealed>';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Strings shaped like intake or content boxes (long unpadded base64url) stand for "a sealed value". */
function blankSealed(value: JsonValue): JsonValue {
  if (typeof value === 'string') return value.length >= MIN_INTAKE_BOX_LENGTH && BASE64URL.test(value) ? SEALED : value;
  if (Array.isArray(value)) return value.map(blankSealed);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, blankSealed(v)]));
  return value;
}

/** Lowercase hex SHA-256 of the RFC 8785 form of {type, schemaVersion, actor, payload}, sealed values blanked. */
export function commandContentDigest(command: Pick<LogicalCommand, 'type' | 'schemaVersion' | 'actor' | 'payload'>): string {
  const content = { type: command.type, schemaVersion: command.schemaVersion, actor: { kind: command.actor.kind, id: command.actor.id }, payload: blankSealed(command.payload) };
  return sha256(Buffer.from(jcs(content), 'utf8')).toString('hex');
}
