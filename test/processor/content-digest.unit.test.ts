// The content idempotency compares: type, schema version, actor and payload, with sealed values
// (intake and content boxes, randomized by crypto_box_seal) blanked.
import { describe, expect, it } from 'vitest';
import { commandContentDigest } from '../../consumers/command-processor/content-digest.ts';

const box = (fill: string) => fill.repeat(96);
const base = { type: 'StoreProviderKey', schemaVersion: 1, actor: { kind: 'user' as const, id: 'alice' }, payload: { provider: 'anthropic', apiKey: box('A') } };

describe('commandContentDigest', () => {
  it('is the same for a re-sealed secret (another box for the same field)', () => {
    expect(commandContentDigest({ ...base, payload: { ...base.payload, apiKey: box('B') } })).toBe(commandContentDigest(base));
  });
  it.each([
    ['another type', { ...base, type: 'RotateProviderKey' }],
    ['another schema version', { ...base, schemaVersion: 2 }],
    ['another actor id', { ...base, actor: { kind: 'user' as const, id: 'bob' } }],
    ['another actor kind', { ...base, actor: { kind: 'service' as const, id: 'alice' } }],
    ['another payload field', { ...base, payload: { ...base.payload, provider: 'openai' } }],
    ['an added payload field', { ...base, payload: { ...base.payload, note: 'x' } }],
  ])('differs for %s', (_name, other) => {
    expect(commandContentDigest(other)).not.toBe(commandContentDigest(base));
  });
  it('does not depend on member order (RFC 8785)', () => {
    expect(commandContentDigest({ ...base, payload: { apiKey: box('A'), provider: 'anthropic' } })).toBe(commandContentDigest(base));
  });
  it('is lowercase hex SHA-256', () => {
    expect(commandContentDigest(base)).toMatch(/^[0-9a-f]{64}$/);
  });
});
