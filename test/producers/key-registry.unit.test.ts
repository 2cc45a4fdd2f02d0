// A registration that breaks a rule is refused with a stable code before anything reaches the
// database: the pool below fails the test if it is ever queried.
import { describe, expect, it } from 'vitest';
import type pg from '../../adapters/postgres/pg.ts';
import { KeyRegistryError } from '../../producers/errors.ts';
import { grantProducerKeyCapabilities, registerProducerKey, type ProducerKeyGrant } from '../../producers/key-registry.ts';

const untouchedPool = {
  query: () => {
    throw new Error('the registry was queried although the registration is invalid');
  },
} as unknown as pg.Pool;

const valid: ProducerKeyGrant = {
  keyId: 'billing-1',
  publicKey: Buffer.alloc(32, 7),
  tenants: ['t-1'],
  canCreateTenants: false,
  description: null,
};

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyRegistryError);
  return (error as KeyRegistryError).code;
}

describe('producer key registration refusals', () => {
  it.each([
    ['an upper-case key id', { keyId: 'Billing' }, 'INVALID_KEY_ID'],
    ['a key id with a slash', { keyId: 'a/b' }, 'INVALID_KEY_ID'],
    ['a 31-byte public key', { publicKey: Buffer.alloc(31) }, 'INVALID_PUBLIC_KEY'],
    ['an unknown actor kind', { actorKinds: ['root'] as never }, 'INVALID_CAPABILITIES'],
    ['no actor kind at all', { actorKinds: [] }, 'INVALID_CAPABILITIES'],
    ['an empty command-type list', { commandTypes: [] }, 'INVALID_CAPABILITIES'],
    ['a command type that is not a name', { commandTypes: ['DROP TABLE x'] }, 'INVALID_CAPABILITIES'],
  ])('%s is refused (%s)', async (_name, change, code) => {
    expect(await refusal(registerProducerKey(untouchedPool, { ...valid, ...change }))).toBe(code);
  });

  it('a capability grant with an unknown actor kind is refused too', async () => {
    expect(await refusal(grantProducerKeyCapabilities(untouchedPool, 'billing-1', { actorKinds: ['admin'] as never }))).toBe('INVALID_CAPABILITIES');
  });
});
