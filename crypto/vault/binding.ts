// What a sealed value is bound to, and how that binding becomes associated data. The AAD is a
// context string followed by the RFC 8785 (JCS) form of one object, so no two different
// bindings — whatever characters their members hold — can produce the same bytes.
import { jcs } from '../../domain/chain/jcs.ts';
import { isWellFormed } from '../../domain/chain/well-formed.ts';
import { VaultError } from './errors.ts';

/**
 * Where a secret belongs. `subject` is the owner inside the tenant (a user id, or a source id
 * for source credentials); `purpose` is what kind of secret it is (`provider-key`,
 * `source-credential`, ...); `field` is which one of the owner's secrets (`anthropic`,
 * `config`, ...). A sealed value opens only under exactly this binding.
 */
export interface Binding {
  readonly tenantId: string;
  readonly subject: string;
  readonly purpose: string;
  readonly field: string;
}

/** Which DEK sealed a value: key id and key version (DEK rotation adds versions). */
export interface KeyRef {
  readonly kid: string;
  readonly kv: number;
}

export const MAX_MEMBER_LENGTH = 256;
// Wide enough for `dek-u-` + any principal id (domain/validation.ts: up to 128 of [A-Za-z0-9._:@-]).
const KID = /^[A-Za-z0-9._:@-]{1,160}$/;

function checkMember(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_MEMBER_LENGTH || !isWellFormed(value)) {
    throw new VaultError('INVALID_BINDING', `binding.${name} must be a well-formed string of 1 to ${MAX_MEMBER_LENGTH} characters`);
  }
  return value;
}

/** A copy of the binding with exactly its four members, each checked. */
export function checkBinding(binding: Binding): Binding {
  if (typeof binding !== 'object' || binding === null) throw new VaultError('INVALID_BINDING', 'binding must be an object');
  return {
    tenantId: checkMember(binding.tenantId, 'tenantId'),
    subject: checkMember(binding.subject, 'subject'),
    purpose: checkMember(binding.purpose, 'purpose'),
    field: checkMember(binding.field, 'field'),
  };
}

export function isKid(value: unknown): value is string {
  return typeof value === 'string' && KID.test(value);
}

export function isKeyVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

export function checkKeyRef(keyRef: KeyRef): KeyRef {
  if (typeof keyRef !== 'object' || keyRef === null || !isKid(keyRef.kid) || !isKeyVersion(keyRef.kv)) {
    throw new VaultError('INVALID_BINDING', 'keyRef must be { kid: 1-160 of [A-Za-z0-9._:@-], kv: a positive integer }');
  }
  return { kid: keyRef.kid, kv: keyRef.kv };
}

/** `context` followed by JCS(value), as UTF-8. Members must already be checked. */
export function contextBytes(context: string, value: Record<string, unknown>): Buffer {
  return Buffer.from(`${context}${jcs(value)}`, 'utf8');
}
