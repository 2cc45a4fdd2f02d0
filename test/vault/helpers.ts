// Shared fixtures for the vault's unit tests.
import fc from 'fast-check';
import type { Binding } from '../../crypto/vault/binding.ts';

export const BINDING: Binding = {
  tenantId: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
  subject: 'u-1',
  purpose: 'provider-key',
  field: 'anthropic',
};

export const KEY_REF = { kid: 'dek-u-1', kv: 1 } as const;

export function isAllZero(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0);
}

export function flipBit(bytes: Uint8Array, index: number, bit = 0): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = copy[index]! ^ (1 << bit);
  return copy;
}

/** A non-empty, well-formed binding member (any code points, no lone surrogates). */
export const memberArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });

export const bindingArb: fc.Arbitrary<Binding> = fc.record({
  tenantId: memberArb,
  subject: memberArb,
  purpose: memberArb,
  field: memberArb,
});

export const MEMBERS = ['tenantId', 'subject', 'purpose', 'field'] as const;
