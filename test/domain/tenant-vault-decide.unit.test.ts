// Specifications of the vault commands of the tenant decider (sources, provider keys, tenant
// keys, erasure, legacy re-sealing), one rule per `it`. The role × command combinations are in
// tenant-rbac.unit.test.ts; here each rule is shown in its simplest history.
import { describe, expect, it } from 'vitest';
import { providerKeyBinding, sourceCredentialBinding, tenantDecider } from '../../domain/tenant/index.ts';
import type { TenantCommand, TenantEvent } from '../../domain/tenant/index.ts';
import { deciderSpec } from '../support/decider-spec.ts';
import {
  addMember,
  authorizeSourceQuery,
  BOX,
  BOX_2,
  connectSource,
  deleteProviderKey,
  disconnectSource,
  eraseUser,
  LEGACY,
  memberAdded,
  memberRemoved,
  memberRoleChanged,
  pending,
  providerKeyDeleted,
  providerKeyResealed,
  providerKeyRotated,
  providerKeyStored,
  QUERY_HASH,
  resealProviderKey,
  resealSourceCredential,
  rotateProviderKey,
  rotateSourceCredential,
  rotateTenantKey,
  service,
  SOURCE_A,
  SOURCE_B,
  sourceConnected,
  sourceCredentialResealed,
  sourceCredentialRotated,
  sourceDisconnected,
  storeProviderKey,
  system,
  TENANT_ID,
  tenantCreated,
  tenantDeleted,
  tenantKeyRotated,
  UNKNOWN_SOURCE,
  user,
  userErased,
} from './tenant-fixtures.ts';

const { given } = deciderSpec(tenantDecider);
const alice = user('alice'); // owner
const adam = user('adam'); // admin
const bob = user('bob'); // member
const mallory = user('mallory'); // member, the attacker
const vic = user('vic'); // viewer
const TEAM: readonly TenantEvent[] = [
  tenantCreated('alice'),
  memberAdded('adam', 'admin'),
  memberAdded('bob', 'member'),
  memberAdded('mallory', 'member'),
  memberAdded('vic', 'viewer'),
];
const deleted = [tenantCreated('alice'), tenantDeleted()];
const sourceBinding = (sourceId: string) => sourceCredentialBinding(TENANT_ID, sourceId);
const keyBinding = (userId: string, provider: 'anthropic' | 'openai' = 'anthropic') => providerKeyBinding(TENANT_ID, userId, provider);

describe('every vault command', () => {
  const commands: TenantCommand[] = [
    connectSource(alice, SOURCE_A),
    rotateSourceCredential(alice, SOURCE_A),
    disconnectSource(alice, SOURCE_A),
    authorizeSourceQuery(alice, SOURCE_A),
    storeProviderKey(alice),
    rotateProviderKey(alice),
    deleteProviderKey(alice),
    rotateTenantKey(alice),
    eraseUser(alice, 'alice'),
    resealProviderKey(service(), 'alice', 'anthropic', 1),
  ];
  const cases = commands.map((c) => [c.type, c] as const);
  it.each(cases)('refuses %s on an absent tenant (TENANT_NOT_FOUND)', (_, command) => {
    given([]).when(command).thenRejects('TENANT_NOT_FOUND');
  });
  it.each(cases)('refuses %s on a deleted tenant (TENANT_DELETED)', (_, command) => {
    given(deleted).when(command).thenRejects('TENANT_DELETED');
  });
  it.each(cases.filter(([type]) => type !== 'ResealLegacySecret'))('refuses %s from a user outside the tenant (NOT_A_MEMBER)', (_, command) => {
    given(TEAM).when({ ...command, metadata: { ...command.metadata, actor: user('nora') } }).thenRejects('NOT_A_MEMBER');
  });
  it.each(cases.filter(([type]) => type !== 'ResealLegacySecret'))('refuses %s from a service actor (NOT_A_MEMBER)', (_, command) => {
    given(TEAM).when({ ...command, metadata: { ...command.metadata, actor: service('alice') } }).thenRejects('NOT_A_MEMBER');
  });
});

describe('ConnectSource', () => {
  it('connects a source owned by the acting member, its credential pending under its binding', () => {
    given(TEAM).when(connectSource(bob, SOURCE_A, { kind: 'snowflake', name: 'Sales DW' })).then([
      {
        type: 'SourceConnected',
        data: {
          sourceId: SOURCE_A,
          ownerId: 'bob',
          kind: 'snowflake',
          name: 'Sales DW',
          credentialVersion: 1,
          credential: pending(BOX, sourceBinding(SOURCE_A), 'bob'),
        },
      },
    ]);
  });
  it('binds the credential to the tenant and the source: subject is the source id, field "config"', () => {
    expect(sourceBinding(SOURCE_A)).toStrictEqual({ tenantId: TENANT_ID, subject: SOURCE_A, purpose: 'source-credential', field: 'config' });
  });
  it('seals a legacy import like a credential: a pending legacy box, never the legacy value in the event', () => {
    given(TEAM).when(connectSource(bob, SOURCE_A, { legacyCredential: BOX })).then([
      {
        type: 'SourceConnected',
        data: { sourceId: SOURCE_A, ownerId: 'bob', kind: 'postgres', name: 'Warehouse', credentialVersion: 1, credential: { ...pending(BOX, sourceBinding(SOURCE_A), 'bob'), legacy: true } },
      },
    ]);
  });
  it('lets an owner and an admin connect their own sources', () => {
    for (const actor of [alice, adam]) {
      const decision = given(TEAM).when(connectSource(actor, SOURCE_A)).decision();
      expect(decision).toMatchObject({ ok: true, events: [{ type: 'SourceConnected', data: { ownerId: actor.id } }] });
    }
  });
  it('refuses a viewer (FORBIDDEN)', () => {
    given(TEAM).when(connectSource(vic, SOURCE_A)).thenRejects('FORBIDDEN');
  });
  it('refuses an id already connected in the tenant (SOURCE_EXISTS)', () => {
    given([...TEAM, sourceConnected('bob', SOURCE_A)]).when(connectSource(bob, SOURCE_A)).thenRejects('SOURCE_EXISTS');
  });
  it('never reuses the id of a disconnected source (SOURCE_EXISTS)', () => {
    given([...TEAM, sourceConnected('bob', SOURCE_A), sourceDisconnected('bob', SOURCE_A)]).when(connectSource(bob, SOURCE_A)).thenRejects('SOURCE_EXISTS');
  });
  it('never reuses the id of an erased user\'s source (SOURCE_EXISTS)', () => {
    given([...TEAM, sourceConnected('bob', SOURCE_A), userErased('bob')]).when(connectSource(mallory, SOURCE_A)).thenRejects('SOURCE_EXISTS');
  });
  it('seals under the tenant\'s current key version', () => {
    given([...TEAM, tenantKeyRotated(2), tenantKeyRotated(3)]).when(connectSource(bob, SOURCE_A)).then([
      {
        type: 'SourceConnected',
        data: { sourceId: SOURCE_A, ownerId: 'bob', kind: 'postgres', name: 'Warehouse', credentialVersion: 1, credential: pending(BOX, sourceBinding(SOURCE_A), 'bob', 3) },
      },
    ]);
  });
});

describe('RotateSourceCredential', () => {
  const withSource = [...TEAM, sourceConnected('bob', SOURCE_A)];
  it('lets the source owner re-key it: the next version, pending for the owner', () => {
    given(withSource).when(rotateSourceCredential(bob, SOURCE_A)).then([
      { type: 'SourceCredentialRotated', data: { sourceId: SOURCE_A, ownerId: 'bob', credentialVersion: 2, credential: pending(BOX_2, sourceBinding(SOURCE_A), 'bob') } },
    ]);
  });
  it('counts versions across rotations', () => {
    const decision = given([...withSource, sourceCredentialRotated('bob', SOURCE_A, 2)]).when(rotateSourceCredential(bob, SOURCE_A)).decision();
    expect(decision).toMatchObject({ ok: true, events: [{ data: { credentialVersion: 3 } }] });
  });
  it('refuses another member (NOT_SOURCE_OWNER), as an authorization refusal', () => {
    const decision = given(withSource).when(rotateSourceCredential(mallory, SOURCE_A)).decision();
    expect(decision).toMatchObject({ ok: false, rejection: { code: 'NOT_SOURCE_OWNER', authorization: true } });
  });
  it('refuses the tenant owner and an admin: no role stands in for the source owner (NOT_SOURCE_OWNER)', () => {
    given(withSource).when(rotateSourceCredential(alice, SOURCE_A)).thenRejects('NOT_SOURCE_OWNER');
    given(withSource).when(rotateSourceCredential(adam, SOURCE_A)).thenRejects('NOT_SOURCE_OWNER');
  });
  it('refuses an unknown source (SOURCE_NOT_FOUND)', () => {
    given(withSource).when(rotateSourceCredential(bob, UNKNOWN_SOURCE)).thenRejects('SOURCE_NOT_FOUND');
  });
  it('refuses a disconnected source (SOURCE_NOT_FOUND)', () => {
    given([...withSource, sourceDisconnected('bob', SOURCE_A)]).when(rotateSourceCredential(bob, SOURCE_A)).thenRejects('SOURCE_NOT_FOUND');
  });
  it('uses the tenant\'s current key version', () => {
    const decision = given([...withSource, tenantKeyRotated(2)]).when(rotateSourceCredential(bob, SOURCE_A)).decision();
    expect(decision).toMatchObject({ ok: true, events: [{ data: { credential: { owner: { userId: 'bob', keyVersion: 2 } } } }] });
  });
  it('lets the owner keep re-keying after being demoted to viewer (the source is still theirs)', () => {
    given([...withSource, memberRoleChanged('bob', 'member', 'viewer')]).when(rotateSourceCredential(bob, SOURCE_A)).then([
      { type: 'SourceCredentialRotated', data: { sourceId: SOURCE_A, ownerId: 'bob', credentialVersion: 2, credential: pending(BOX_2, sourceBinding(SOURCE_A), 'bob') } },
    ]);
  });
});

describe('DisconnectSource', () => {
  const withSource = [...TEAM, sourceConnected('bob', SOURCE_A)];
  it('lets the source owner disconnect it (by owner), without a reason key when none is given', () => {
    given(withSource).when(disconnectSource(bob, SOURCE_A)).then([{ type: 'SourceDisconnected', data: { sourceId: SOURCE_A, ownerId: 'bob', by: 'owner' } }]);
  });
  it('records the reason when given', () => {
    given(withSource).when(disconnectSource(bob, SOURCE_A, 'rotated out')).then([
      { type: 'SourceDisconnected', data: { sourceId: SOURCE_A, ownerId: 'bob', by: 'owner', reason: 'rotated out' } },
    ]);
  });
  it('lets a tenant admin disconnect a member\'s source (by admin)', () => {
    given(withSource).when(disconnectSource(adam, SOURCE_A)).then([{ type: 'SourceDisconnected', data: { sourceId: SOURCE_A, ownerId: 'bob', by: 'admin' } }]);
  });
  it('lets the tenant owner disconnect a member\'s source (by admin)', () => {
    given(withSource).when(disconnectSource(alice, SOURCE_A)).then([{ type: 'SourceDisconnected', data: { sourceId: SOURCE_A, ownerId: 'bob', by: 'admin' } }]);
  });
  it('records by owner when a tenant owner disconnects their own source', () => {
    given([...TEAM, sourceConnected('alice', SOURCE_B)]).when(disconnectSource(alice, SOURCE_B)).then([
      { type: 'SourceDisconnected', data: { sourceId: SOURCE_B, ownerId: 'alice', by: 'owner' } },
    ]);
  });
  it('refuses another member (NOT_SOURCE_OWNER)', () => {
    given(withSource).when(disconnectSource(mallory, SOURCE_A)).thenRejects('NOT_SOURCE_OWNER');
  });
  it('refuses a viewer who does not own it (NOT_SOURCE_OWNER)', () => {
    given(withSource).when(disconnectSource(vic, SOURCE_A)).thenRejects('NOT_SOURCE_OWNER');
  });
  it('refuses an unknown source (SOURCE_NOT_FOUND)', () => {
    given(withSource).when(disconnectSource(adam, UNKNOWN_SOURCE)).thenRejects('SOURCE_NOT_FOUND');
  });
  it('refuses a second disconnection (SOURCE_NOT_FOUND)', () => {
    given([...withSource, sourceDisconnected('bob', SOURCE_A)]).when(disconnectSource(bob, SOURCE_A)).thenRejects('SOURCE_NOT_FOUND');
  });
});

describe('AuthorizeSourceQuery', () => {
  const withSource = [...TEAM, sourceConnected('bob', SOURCE_A)];
  it('records the source, its owner, the query hash and the limits', () => {
    given(withSource).when(authorizeSourceQuery(bob, SOURCE_A, 1_000_000, 104_857_600)).then([
      { type: 'SourceQueryAuthorized', data: { sourceId: SOURCE_A, ownerId: 'bob', queryHash: QUERY_HASH, maxRows: 1_000_000, maxBytes: 104_857_600 } },
    ]);
  });
  it('refuses another member (NOT_SOURCE_OWNER)', () => {
    given(withSource).when(authorizeSourceQuery(mallory, SOURCE_A)).thenRejects('NOT_SOURCE_OWNER');
  });
  it('refuses the tenant owner and admins too: only the source owner queries it (NOT_SOURCE_OWNER)', () => {
    given(withSource).when(authorizeSourceQuery(alice, SOURCE_A)).thenRejects('NOT_SOURCE_OWNER');
    given(withSource).when(authorizeSourceQuery(adam, SOURCE_A)).thenRejects('NOT_SOURCE_OWNER');
  });
  it('refuses a disconnected source (SOURCE_NOT_FOUND)', () => {
    given([...withSource, sourceDisconnected('bob', SOURCE_A, 'admin')]).when(authorizeSourceQuery(bob, SOURCE_A)).thenRejects('SOURCE_NOT_FOUND');
  });
  it('refuses an unknown source (SOURCE_NOT_FOUND)', () => {
    given(withSource).when(authorizeSourceQuery(bob, UNKNOWN_SOURCE)).thenRejects('SOURCE_NOT_FOUND');
  });
  it('refuses the owner once removed from the tenant (NOT_A_MEMBER)', () => {
    given([...withSource, memberRemoved('bob')]).when(authorizeSourceQuery(bob, SOURCE_A)).thenRejects('NOT_A_MEMBER');
  });
});

describe('StoreProviderKey', () => {
  it('stores the actor\'s own key: mask left for the processor, secret pending under the key\'s binding', () => {
    given(TEAM).when(storeProviderKey(bob)).then([
      { type: 'ProviderKeyStored', data: { userId: 'bob', provider: 'anthropic', mask: '', secret: pending(BOX, keyBinding('bob'), 'bob') } },
    ]);
  });
  it('emits exactly the golden vector\'s fields { userId, provider, mask, secret } (version 1 implied)', () => {
    const decision = given(TEAM).when(storeProviderKey(bob)).decision();
    expect(decision.ok && Object.keys(decision.events[0]!.data).sort()).toStrictEqual(['mask', 'provider', 'secret', 'userId']);
  });
  it('binds the key to the tenant, the user and the provider', () => {
    expect(keyBinding('bob')).toStrictEqual({ tenantId: TENANT_ID, subject: 'bob', purpose: 'provider-key', field: 'anthropic' });
  });
  it('seals a legacy import like a key: a pending legacy box, the mask left to the processor', () => {
    given(TEAM).when(storeProviderKey(bob, 'openai', BOX)).then([
      { type: 'ProviderKeyStored', data: { userId: 'bob', provider: 'openai', mask: '', secret: { ...pending(BOX, keyBinding('bob', 'openai'), 'bob'), legacy: true } } },
    ]);
  });
  it('refuses a viewer (FORBIDDEN)', () => {
    given(TEAM).when(storeProviderKey(vic)).thenRejects('FORBIDDEN');
  });
  it('refuses a second key for the same provider (PROVIDER_KEY_EXISTS)', () => {
    given([...TEAM, providerKeyStored('bob')]).when(storeProviderKey(bob)).thenRejects('PROVIDER_KEY_EXISTS');
  });
  it('counts a legacy key as existing (PROVIDER_KEY_EXISTS)', () => {
    given([...TEAM, providerKeyStored('bob', 'anthropic', true)]).when(storeProviderKey(bob)).thenRejects('PROVIDER_KEY_EXISTS');
  });
  it('stores a key for another provider', () => {
    const decision = given([...TEAM, providerKeyStored('bob')]).when(storeProviderKey(bob, 'openai')).decision();
    expect(decision).toMatchObject({ ok: true, events: [{ type: 'ProviderKeyStored', data: { provider: 'openai' } }] });
  });
  it('stores again after a deletion', () => {
    const decision = given([...TEAM, providerKeyStored('bob'), providerKeyDeleted('bob')]).when(storeProviderKey(bob)).decision();
    expect(decision).toMatchObject({ ok: true, events: [{ type: 'ProviderKeyStored' }] });
  });
  it('seals under the tenant\'s current key version', () => {
    given([...TEAM, tenantKeyRotated(2)]).when(storeProviderKey(bob)).then([
      { type: 'ProviderKeyStored', data: { userId: 'bob', provider: 'anthropic', mask: '', secret: pending(BOX, keyBinding('bob'), 'bob', 2) } },
    ]);
  });
});

describe('RotateProviderKey', () => {
  const withKey = [...TEAM, providerKeyStored('bob')];
  it('rotates the actor\'s own key to the next version, mask left for the processor', () => {
    given(withKey).when(rotateProviderKey(bob)).then([
      { type: 'ProviderKeyRotated', data: { userId: 'bob', provider: 'anthropic', mask: '', version: 2, secret: pending(BOX_2, keyBinding('bob'), 'bob') } },
    ]);
  });
  it('counts versions across rotations', () => {
    const decision = given([...withKey, providerKeyRotated('bob', 'anthropic', 2)]).when(rotateProviderKey(bob)).decision();
    expect(decision).toMatchObject({ ok: true, events: [{ data: { version: 3 } }] });
  });
  it('refuses when the actor has no key for the provider (PROVIDER_KEY_NOT_FOUND)', () => {
    given(withKey).when(rotateProviderKey(bob, 'openai')).thenRejects('PROVIDER_KEY_NOT_FOUND');
  });
  it('refuses after the key was deleted (PROVIDER_KEY_NOT_FOUND)', () => {
    given([...withKey, providerKeyDeleted('bob')]).when(rotateProviderKey(bob)).thenRejects('PROVIDER_KEY_NOT_FOUND');
  });
  it('uses the tenant\'s current key version', () => {
    const decision = given([...withKey, tenantKeyRotated(2), tenantKeyRotated(3)]).when(rotateProviderKey(bob)).decision();
    expect(decision).toMatchObject({ ok: true, events: [{ data: { secret: { owner: { tenantId: TENANT_ID, userId: 'bob', keyVersion: 3 } } } }] });
  });
});

describe('DeleteProviderKey', () => {
  it('deletes the actor\'s own key', () => {
    given([...TEAM, providerKeyStored('bob')]).when(deleteProviderKey(bob)).then([{ type: 'ProviderKeyDeleted', data: { userId: 'bob', provider: 'anthropic' } }]);
  });
  it('refuses when the actor has no key for the provider (PROVIDER_KEY_NOT_FOUND)', () => {
    given(TEAM).when(deleteProviderKey(bob)).thenRejects('PROVIDER_KEY_NOT_FOUND');
  });
});

describe('a member attacking another member\'s secrets', () => {
  const bobs = [...TEAM, sourceConnected('bob', SOURCE_A), providerKeyStored('bob')];
  describe('with the id of their source', () => {
    it('cannot re-key it (NOT_SOURCE_OWNER)', () => {
      given(bobs).when(rotateSourceCredential(mallory, SOURCE_A)).thenRejects('NOT_SOURCE_OWNER');
    });
    it('cannot disconnect it (NOT_SOURCE_OWNER)', () => {
      given(bobs).when(disconnectSource(mallory, SOURCE_A)).thenRejects('NOT_SOURCE_OWNER');
    });
    it('cannot query it (NOT_SOURCE_OWNER)', () => {
      given(bobs).when(authorizeSourceQuery(mallory, SOURCE_A)).thenRejects('NOT_SOURCE_OWNER');
    });
    it('cannot take it over by connecting the same id (SOURCE_EXISTS)', () => {
      given(bobs).when(connectSource(mallory, SOURCE_A)).thenRejects('SOURCE_EXISTS');
    });
    it('cannot take it over after its owner disconnected it (SOURCE_EXISTS)', () => {
      given([...bobs, sourceDisconnected('bob', SOURCE_A)]).when(connectSource(mallory, SOURCE_A)).thenRejects('SOURCE_EXISTS');
    });
  });
  describe('on their provider key (commands name no user: they act on the actor\'s own key)', () => {
    it('cannot rotate it: the attacker has no key of their own (PROVIDER_KEY_NOT_FOUND)', () => {
      given(bobs).when(rotateProviderKey(mallory)).thenRejects('PROVIDER_KEY_NOT_FOUND');
    });
    it('cannot delete it (PROVIDER_KEY_NOT_FOUND)', () => {
      given(bobs).when(deleteProviderKey(mallory)).thenRejects('PROVIDER_KEY_NOT_FOUND');
    });
    it('storing a key of the same provider stores the attacker\'s own, bound to the attacker', () => {
      given(bobs).when(storeProviderKey(mallory)).then([
        { type: 'ProviderKeyStored', data: { userId: 'mallory', provider: 'anthropic', mask: '', secret: pending(BOX, keyBinding('mallory'), 'mallory') } },
      ]);
    });
    it('leaves the victim\'s key as it was: the victim rotates it to version 2', () => {
      const afterAttack = [...bobs, providerKeyStored('mallory'), providerKeyDeleted('mallory')];
      const decision = given(afterAttack).when(rotateProviderKey(bob)).decision();
      expect(decision).toMatchObject({ ok: true, events: [{ data: { userId: 'bob', version: 2 } }] });
    });
    it('cannot re-seal it: users may not re-seal at all (FORBIDDEN)', () => {
      given([...TEAM, providerKeyStored('bob', 'anthropic', true)]).when(resealProviderKey(mallory, 'bob', 'anthropic', 1)).thenRejects('FORBIDDEN');
    });
  });
});

describe('RotateTenantKey', () => {
  it('moves a new tenant from key version 1 to 2', () => {
    given(TEAM).when(rotateTenantKey(alice)).then([{ type: 'TenantKeyRotated', data: { keyVersion: 2 } }]);
  });
  it('counts from the last rotation', () => {
    given([...TEAM, tenantKeyRotated(2), tenantKeyRotated(3)]).when(rotateTenantKey(adam)).then([{ type: 'TenantKeyRotated', data: { keyVersion: 4 } }]);
  });
  it('refuses a member (FORBIDDEN)', () => {
    given(TEAM).when(rotateTenantKey(bob)).thenRejects('FORBIDDEN');
  });
  it('refuses a viewer (FORBIDDEN)', () => {
    given(TEAM).when(rotateTenantKey(vic)).thenRejects('FORBIDDEN');
  });
});

describe('EraseUser', () => {
  it('lets a member erase themselves; the reason stays out of the event', () => {
    given(TEAM).when(eraseUser(bob, 'bob', 'leaving, delete my data')).then([{ type: 'UserErased', data: { userId: 'bob' } }]);
  });
  it('lets the owner erase an admin', () => {
    given(TEAM).when(eraseUser(alice, 'adam')).then([{ type: 'UserErased', data: { userId: 'adam' } }]);
  });
  it('lets an owner erase another owner while one remains', () => {
    given([...TEAM, memberAdded('olivia', 'owner')]).when(eraseUser(alice, 'olivia')).then([{ type: 'UserErased', data: { userId: 'olivia' } }]);
  });
  it('lets an admin erase a member', () => {
    given(TEAM).when(eraseUser(adam, 'bob')).then([{ type: 'UserErased', data: { userId: 'bob' } }]);
  });
  it('refuses an admin erasing an owner (FORBIDDEN)', () => {
    given(TEAM).when(eraseUser(adam, 'alice')).thenRejects('FORBIDDEN');
  });
  it('refuses a member erasing someone else (FORBIDDEN)', () => {
    given(TEAM).when(eraseUser(mallory, 'bob')).thenRejects('FORBIDDEN');
  });
  it('refuses a viewer erasing someone else (FORBIDDEN)', () => {
    given(TEAM).when(eraseUser(vic, 'bob')).thenRejects('FORBIDDEN');
  });
  it('lets a viewer erase themselves', () => {
    given(TEAM).when(eraseUser(vic, 'vic')).then([{ type: 'UserErased', data: { userId: 'vic' } }]);
  });
  it('refuses a user who is not a member (MEMBER_NOT_FOUND)', () => {
    given(TEAM).when(eraseUser(alice, 'nora')).thenRejects('MEMBER_NOT_FOUND');
  });
  it('refuses a member asking about a non-member without revealing it (FORBIDDEN)', () => {
    given(TEAM).when(eraseUser(bob, 'nora')).thenRejects('FORBIDDEN');
  });
  it('refuses a user erased before (USER_ERASED)', () => {
    given([...TEAM, userErased('bob')]).when(eraseUser(alice, 'bob')).thenRejects('USER_ERASED');
  });
  it('refuses the last owner, even erasing themselves (LAST_OWNER)', () => {
    given(TEAM).when(eraseUser(alice, 'alice')).thenRejects('LAST_OWNER');
  });
  describe('afterwards', () => {
    const erased = [...TEAM, sourceConnected('bob', SOURCE_A), providerKeyStored('bob', 'anthropic', true), userErased('bob')];
    it('refuses to add the user again (USER_ERASED)', () => {
      given(erased).when(addMember(alice, 'bob', 'member')).thenRejects('USER_ERASED');
    });
    it('refuses to add the user again even as an admin would (USER_ERASED before MEMBER_EXISTS)', () => {
      given(erased).when(addMember(adam, 'bob', 'viewer', 'other@example.com')).thenRejects('USER_ERASED');
    });
    it('still checks authorization first (FORBIDDEN for a member adding them)', () => {
      given(erased).when(addMember(mallory, 'bob', 'viewer')).thenRejects('FORBIDDEN');
    });
    it('refuses the erased user as an actor (NOT_A_MEMBER)', () => {
      given(erased).when(storeProviderKey(bob)).thenRejects('NOT_A_MEMBER');
    });
    it('leaves their sources disconnected (SOURCE_NOT_FOUND)', () => {
      given(erased).when(disconnectSource(alice, SOURCE_A)).thenRejects('SOURCE_NOT_FOUND');
    });
    it('leaves no key to re-seal (PROVIDER_KEY_NOT_FOUND)', () => {
      given(erased).when(resealProviderKey(service(), 'bob', 'anthropic', 1)).thenRejects('PROVIDER_KEY_NOT_FOUND');
    });
  });
});

describe('ResealLegacySecret', () => {
  describe('of a provider key', () => {
    const legacyKey = [...TEAM, providerKeyStored('bob', 'anthropic', true)];
    it('lets a service re-seal the legacy value at its version, for the key\'s owner', () => {
      given(legacyKey).when(resealProviderKey(service(), 'bob', 'anthropic', 1)).then([
        {
          type: 'LegacySecretResealed',
          data: { target: 'provider-key', userId: 'bob', provider: 'anthropic', version: 1, mask: '', secret: pending(BOX, keyBinding('bob'), 'bob') },
        },
      ]);
    });
    it('lets the system re-seal it', () => {
      const decision = given(legacyKey).when(resealProviderKey(system(), 'bob', 'anthropic', 1)).decision();
      expect(decision).toMatchObject({ ok: true, events: [{ type: 'LegacySecretResealed' }] });
    });
    it('refuses any user, even the key\'s owner or the tenant owner (FORBIDDEN), as an authorization refusal', () => {
      given(legacyKey).when(resealProviderKey(bob, 'bob', 'anthropic', 1)).thenRejects('FORBIDDEN');
      const decision = given(legacyKey).when(resealProviderKey(alice, 'bob', 'anthropic', 1)).decision();
      expect(decision).toMatchObject({ ok: false, rejection: { code: 'FORBIDDEN', authorization: true } });
    });
    it('re-seals exactly once: a second re-seal at the same version is LEGACY_ALREADY_RESEALED', () => {
      given([...legacyKey, providerKeyResealed('bob', 'anthropic', 1)])
        .when(resealProviderKey(service(), 'bob', 'anthropic', 1))
        .thenRejects('LEGACY_ALREADY_RESEALED');
    });
    it('marks LEGACY_ALREADY_RESEALED as a business rule, not an authorization refusal', () => {
      const decision = given([...legacyKey, providerKeyResealed('bob', 'anthropic', 1)]).when(resealProviderKey(service(), 'bob', 'anthropic', 1)).decision();
      expect(decision).toMatchObject({ ok: false, rejection: { code: 'LEGACY_ALREADY_RESEALED', authorization: false } });
    });
    it('refuses a version the key is not at (LEGACY_ALREADY_RESEALED)', () => {
      given(legacyKey).when(resealProviderKey(service(), 'bob', 'anthropic', 2)).thenRejects('LEGACY_ALREADY_RESEALED');
    });
    it('refuses a key that was never legacy (LEGACY_ALREADY_RESEALED)', () => {
      given([...TEAM, providerKeyStored('bob')]).when(resealProviderKey(service(), 'bob', 'anthropic', 1)).thenRejects('LEGACY_ALREADY_RESEALED');
    });
    it('refuses a legacy key rotated since (LEGACY_ALREADY_RESEALED)', () => {
      given([...legacyKey, providerKeyRotated('bob', 'anthropic', 2)]).when(resealProviderKey(service(), 'bob', 'anthropic', 2)).thenRejects('LEGACY_ALREADY_RESEALED');
    });
    it('refuses a key the user does not have (PROVIDER_KEY_NOT_FOUND)', () => {
      given(legacyKey).when(resealProviderKey(service(), 'bob', 'openai', 1)).thenRejects('PROVIDER_KEY_NOT_FOUND');
      given(legacyKey).when(resealProviderKey(service(), 'mallory', 'anthropic', 1)).thenRejects('PROVIDER_KEY_NOT_FOUND');
    });
    it('seals under the tenant\'s current key version, for the key\'s owner (not the service)', () => {
      const decision = given([...legacyKey, tenantKeyRotated(2)]).when(resealProviderKey(service(), 'bob', 'anthropic', 1)).decision();
      expect(decision).toMatchObject({ ok: true, events: [{ data: { secret: { owner: { tenantId: TENANT_ID, userId: 'bob', keyVersion: 2 } } } }] });
    });
  });
  describe('of a source credential', () => {
    const legacySource = [...TEAM, sourceConnected('bob', SOURCE_A, true)];
    it('lets a service re-seal it at its credential version, without a mask', () => {
      given(legacySource).when(resealSourceCredential(service(), 'bob', SOURCE_A, 1)).then([
        {
          type: 'LegacySecretResealed',
          data: { target: 'source-credential', userId: 'bob', sourceId: SOURCE_A, version: 1, secret: pending(BOX, sourceBinding(SOURCE_A), 'bob') },
        },
      ]);
    });
    it('re-seals exactly once (LEGACY_ALREADY_RESEALED)', () => {
      given([...legacySource, sourceCredentialResealed('bob', SOURCE_A, 1)])
        .when(resealSourceCredential(service(), 'bob', SOURCE_A, 1))
        .thenRejects('LEGACY_ALREADY_RESEALED');
    });
    it('refuses a credential rotated since (LEGACY_ALREADY_RESEALED)', () => {
      given([...legacySource, sourceCredentialRotated('bob', SOURCE_A, 2)]).when(resealSourceCredential(service(), 'bob', SOURCE_A, 2)).thenRejects('LEGACY_ALREADY_RESEALED');
    });
    it('refuses a source that was never legacy (LEGACY_ALREADY_RESEALED)', () => {
      given([...TEAM, sourceConnected('bob', SOURCE_A)]).when(resealSourceCredential(service(), 'bob', SOURCE_A, 1)).thenRejects('LEGACY_ALREADY_RESEALED');
    });
    it('refuses a source owned by someone else (SOURCE_NOT_FOUND)', () => {
      given(legacySource).when(resealSourceCredential(service(), 'mallory', SOURCE_A, 1)).thenRejects('SOURCE_NOT_FOUND');
    });
    it('refuses a disconnected source (SOURCE_NOT_FOUND)', () => {
      given([...legacySource, sourceDisconnected('bob', SOURCE_A)]).when(resealSourceCredential(service(), 'bob', SOURCE_A, 1)).thenRejects('SOURCE_NOT_FOUND');
    });
    it('refuses a user (FORBIDDEN)', () => {
      given(legacySource).when(resealSourceCredential(bob, 'bob', SOURCE_A, 1)).thenRejects('FORBIDDEN');
    });
  });
  it('checks the tenant before the actor: a user on an absent tenant gets TENANT_NOT_FOUND', () => {
    given([]).when(resealProviderKey(bob, 'bob', 'anthropic', 1)).thenRejects('TENANT_NOT_FOUND');
  });
});
