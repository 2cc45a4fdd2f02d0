// Specifications of the tenant decider, one rule per `it`. RBAC combinations are covered
// exhaustively by tenant-rbac.unit.test.ts; here each rule is shown in its simplest history.
import { describe, expect, it } from 'vitest';
import { tenantDecider } from '../../domain/tenant/index.ts';
import { deciderSpec } from '../support/decider-spec.ts';
import {
  addMember,
  changeRole,
  createTenant,
  deleteTenant,
  memberAdded,
  memberRemoved,
  memberRoleChanged,
  removeMember,
  service,
  system,
  tenantCreated,
  tenantDeleted,
  user,
} from './tenant-fixtures.ts';

const { given } = deciderSpec(tenantDecider);
const alice = user('alice');
const bob = user('bob');
const created = [tenantCreated('alice')];
const deleted = [...created, tenantDeleted()];

describe('CreateTenant', () => {
  describe('when the tenant is absent', () => {
    it('creates it with the acting user as owner', () => {
      given([]).when(createTenant(alice)).then([tenantCreated('alice')]);
    });
    it('refuses a user naming someone else as owner (FORBIDDEN)', () => {
      given([]).when(createTenant(alice, 'bob')).thenRejects('FORBIDDEN');
    });
    it('lets a service actor create it for any owner', () => {
      given([]).when(createTenant(service(), 'bob')).then([tenantCreated('bob')]);
    });
    it('lets the system actor create it for any owner', () => {
      given([]).when(createTenant(system(), 'bob')).then([tenantCreated('bob')]);
    });
    it('flags the FORBIDDEN refusal as an authorization refusal', () => {
      const decision = given([]).when(createTenant(alice, 'bob')).decision();
      expect(decision).toMatchObject({ ok: false, rejection: { code: 'FORBIDDEN', authorization: true } });
    });
  });
  describe('when the tenant is active', () => {
    it('refuses to create it again (TENANT_EXISTS)', () => {
      given(created).when(createTenant(alice)).thenRejects('TENANT_EXISTS');
    });
    it('marks TENANT_EXISTS as not an authorization refusal', () => {
      const decision = given(created).when(createTenant(alice)).decision();
      expect(decision).toMatchObject({ ok: false, rejection: { authorization: false } });
    });
  });
  describe('when the tenant was deleted', () => {
    it('never reuses the tenant id (TENANT_DELETED)', () => {
      given(deleted).when(createTenant(alice)).thenRejects('TENANT_DELETED');
    });
    it('refuses even a service actor (TENANT_DELETED)', () => {
      given(deleted).when(createTenant(service(), 'bob')).thenRejects('TENANT_DELETED');
    });
  });
});

describe('every command other than CreateTenant', () => {
  const commands = [
    addMember(alice, 'bob', 'member'),
    changeRole(alice, 'alice', 'admin'),
    removeMember(alice, { userId: 'alice' }),
    deleteTenant(alice),
  ];
  describe('when the tenant is absent', () => {
    it.each(commands.map((c) => [c.type, c] as const))('refuses %s (TENANT_NOT_FOUND)', (_, command) => {
      given([]).when(command).thenRejects('TENANT_NOT_FOUND');
    });
  });
  describe('when the tenant was deleted', () => {
    it.each(commands.map((c) => [c.type, c] as const))('refuses %s (TENANT_DELETED)', (_, command) => {
      given(deleted).when(command).thenRejects('TENANT_DELETED');
    });
  });
  describe('when the actor is not a member', () => {
    it('refuses a user outside the tenant (NOT_A_MEMBER)', () => {
      given(created).when(addMember(bob, 'carol', 'member')).thenRejects('NOT_A_MEMBER');
    });
    it('refuses a service actor, whatever its id (NOT_A_MEMBER)', () => {
      given(created).when(addMember(service('alice'), 'carol', 'member')).thenRejects('NOT_A_MEMBER');
    });
    it('refuses the system actor (NOT_A_MEMBER)', () => {
      given(created).when(deleteTenant(system('alice'))).thenRejects('NOT_A_MEMBER');
    });
    it('refuses a removed member (NOT_A_MEMBER)', () => {
      given([...created, memberAdded('bob', 'admin'), memberRemoved('bob')])
        .when(addMember(bob, 'carol', 'member'))
        .thenRejects('NOT_A_MEMBER');
    });
    it('flags NOT_A_MEMBER as an authorization refusal', () => {
      const decision = given(created).when(deleteTenant(bob)).decision();
      expect(decision).toMatchObject({ ok: false, rejection: { code: 'NOT_A_MEMBER', authorization: true } });
    });
  });
});

describe('AddMember', () => {
  describe('when the actor is an owner', () => {
    it('adds the member with the given role', () => {
      given(created).when(addMember(alice, 'bob', 'admin')).then([memberAdded('bob', 'admin')]);
    });
    it('may add another owner', () => {
      given(created).when(addMember(alice, 'bob', 'owner')).then([memberAdded('bob', 'owner')]);
    });
    it('refuses a user who is already a member (MEMBER_EXISTS)', () => {
      given([...created, memberAdded('bob', 'viewer')]).when(addMember(alice, 'bob', 'admin')).thenRejects('MEMBER_EXISTS');
    });
    it('reports MEMBER_EXISTS before EMAIL_IN_USE for the same user', () => {
      given(created).when(addMember(alice, 'alice', 'member')).thenRejects('MEMBER_EXISTS');
    });
    it('refuses an email another member has, compared case-insensitively (EMAIL_IN_USE)', () => {
      given(created).when(addMember(alice, 'bob', 'member', 'ALICE@Example.COM')).thenRejects('EMAIL_IN_USE');
    });
    it('keeps the email exactly as given', () => {
      given(created).when(addMember(alice, 'bob', 'member', 'Bob@Example.com')).then([memberAdded('bob', 'member', 'Bob@Example.com')]);
    });
    it('accepts an email that was freed by a removal', () => {
      given([...created, memberAdded('bob', 'member'), memberRemoved('bob')])
        .when(addMember(alice, 'carol', 'member', 'bob@example.com'))
        .then([memberAdded('carol', 'member', 'bob@example.com')]);
    });
  });
  describe('when the actor is an admin', () => {
    const withAdmin = [...created, memberAdded('bob', 'admin')];
    it('adds a member', () => {
      given(withAdmin).when(addMember(bob, 'carol', 'member')).then([memberAdded('carol', 'member')]);
    });
    it('refuses to grant the owner role (FORBIDDEN)', () => {
      given(withAdmin).when(addMember(bob, 'carol', 'owner')).thenRejects('FORBIDDEN');
    });
    it('checks authorization before existence (FORBIDDEN, not MEMBER_EXISTS)', () => {
      given(withAdmin).when(addMember(bob, 'alice', 'owner')).thenRejects('FORBIDDEN');
    });
  });
  describe('when the actor is a member or viewer', () => {
    it('refuses a member (FORBIDDEN)', () => {
      given([...created, memberAdded('bob', 'member')]).when(addMember(bob, 'carol', 'viewer')).thenRejects('FORBIDDEN');
    });
    it('refuses a viewer (FORBIDDEN)', () => {
      given([...created, memberAdded('bob', 'viewer')]).when(addMember(bob, 'carol', 'viewer')).thenRejects('FORBIDDEN');
    });
  });
  describe('when the actor role changed since joining', () => {
    it('uses the current role from the state, not the one at joining', () => {
      given([...created, memberAdded('bob', 'admin'), memberRoleChanged('bob', 'admin', 'viewer')])
        .when(addMember(bob, 'carol', 'member'))
        .thenRejects('FORBIDDEN');
    });
  });
});

describe('ChangeRole', () => {
  const twoOwners = [...created, memberAdded('bob', 'owner')];
  describe('when the actor is an owner', () => {
    it('changes a role and records from and to', () => {
      given([...created, memberAdded('bob', 'member')]).when(changeRole(alice, 'bob', 'admin')).then([memberRoleChanged('bob', 'member', 'admin')]);
    });
    it('refuses a user who is not a member (MEMBER_NOT_FOUND)', () => {
      given(created).when(changeRole(alice, 'bob', 'admin')).thenRejects('MEMBER_NOT_FOUND');
    });
    it('refuses a change to the same role (ROLE_UNCHANGED)', () => {
      given([...created, memberAdded('bob', 'viewer')]).when(changeRole(alice, 'bob', 'viewer')).thenRejects('ROLE_UNCHANGED');
    });
    it('refuses to demote the last owner (LAST_OWNER)', () => {
      given(created).when(changeRole(alice, 'alice', 'admin')).thenRejects('LAST_OWNER');
    });
    it('demotes an owner while another owner remains', () => {
      given(twoOwners).when(changeRole(alice, 'bob', 'viewer')).then([memberRoleChanged('bob', 'owner', 'viewer')]);
    });
    it('demotes themselves while another owner remains', () => {
      given(twoOwners).when(changeRole(alice, 'alice', 'member')).then([memberRoleChanged('alice', 'owner', 'member')]);
    });
    it('counts owners after earlier demotions (LAST_OWNER)', () => {
      given([...twoOwners, memberRoleChanged('bob', 'owner', 'admin')]).when(changeRole(alice, 'alice', 'admin')).thenRejects('LAST_OWNER');
    });
  });
  describe('when the actor is an admin', () => {
    const withAdmin = [...created, memberAdded('bob', 'admin'), memberAdded('carol', 'member')];
    it('changes a member role', () => {
      given(withAdmin).when(changeRole(bob, 'carol', 'viewer')).then([memberRoleChanged('carol', 'member', 'viewer')]);
    });
    it('refuses to grant the owner role (FORBIDDEN)', () => {
      given(withAdmin).when(changeRole(bob, 'carol', 'owner')).thenRejects('FORBIDDEN');
    });
    it('refuses to promote themselves to owner (FORBIDDEN)', () => {
      given(withAdmin).when(changeRole(bob, 'bob', 'owner')).thenRejects('FORBIDDEN');
    });
    it('refuses to change an owner (FORBIDDEN)', () => {
      given(withAdmin).when(changeRole(bob, 'alice', 'member')).thenRejects('FORBIDDEN');
    });
    it('reports a missing user (MEMBER_NOT_FOUND)', () => {
      given(withAdmin).when(changeRole(bob, 'dave', 'member')).thenRejects('MEMBER_NOT_FOUND');
    });
  });
  describe('when the actor is a member or viewer', () => {
    it('refuses a member promoting themselves (FORBIDDEN)', () => {
      given([...created, memberAdded('bob', 'member')]).when(changeRole(bob, 'bob', 'admin')).thenRejects('FORBIDDEN');
    });
    it('refuses a viewer, even for a no-op change (FORBIDDEN before ROLE_UNCHANGED)', () => {
      given([...created, memberAdded('bob', 'viewer')]).when(changeRole(bob, 'bob', 'viewer')).thenRejects('FORBIDDEN');
    });
  });
});

describe('RemoveMember', () => {
  describe('when the actor is an owner', () => {
    it('removes a member without a reason key when none is given', () => {
      given([...created, memberAdded('bob', 'member')]).when(removeMember(alice, { userId: 'bob' })).then([memberRemoved('bob')]);
    });
    it('records the reason when given', () => {
      given([...created, memberAdded('bob', 'member')])
        .when(removeMember(alice, { userId: 'bob', reason: 'left the company' }))
        .then([memberRemoved('bob', 'left the company')]);
    });
    it('refuses a user who is not a member (MEMBER_NOT_FOUND)', () => {
      given(created).when(removeMember(alice, { userId: 'bob' })).thenRejects('MEMBER_NOT_FOUND');
    });
    it('never removes the last owner, even themselves (LAST_OWNER)', () => {
      given(created).when(removeMember(alice, { userId: 'alice' })).thenRejects('LAST_OWNER');
    });
    it('removes another owner while one remains', () => {
      given([...created, memberAdded('bob', 'owner')]).when(removeMember(alice, { userId: 'bob' })).then([memberRemoved('bob')]);
    });
  });
  describe('when the actor is an admin', () => {
    const withAdmin = [...created, memberAdded('bob', 'admin'), memberAdded('carol', 'admin')];
    it('removes another admin', () => {
      given(withAdmin).when(removeMember(bob, { userId: 'carol' })).then([memberRemoved('carol')]);
    });
    it('refuses to remove an owner (FORBIDDEN)', () => {
      given(withAdmin).when(removeMember(bob, { userId: 'alice' })).thenRejects('FORBIDDEN');
    });
  });
  describe('when the actor is a member or viewer', () => {
    it('lets a member leave', () => {
      given([...created, memberAdded('bob', 'member')]).when(removeMember(bob, { userId: 'bob' })).then([memberRemoved('bob')]);
    });
    it('lets a viewer leave with a reason', () => {
      given([...created, memberAdded('bob', 'viewer')])
        .when(removeMember(bob, { userId: 'bob', reason: 'bye' }))
        .then([memberRemoved('bob', 'bye')]);
    });
    it('refuses removing someone else (FORBIDDEN)', () => {
      given([...created, memberAdded('bob', 'member'), memberAdded('carol', 'viewer')])
        .when(removeMember(bob, { userId: 'carol' }))
        .thenRejects('FORBIDDEN');
    });
    it('refuses removing a non-member without revealing it (FORBIDDEN, not MEMBER_NOT_FOUND)', () => {
      given([...created, memberAdded('bob', 'member')]).when(removeMember(bob, { userId: 'dave' })).thenRejects('FORBIDDEN');
    });
  });
});

describe('DeleteTenant', () => {
  describe('when the actor is an owner', () => {
    it('deletes the tenant without a reason key when none is given', () => {
      given(created).when(deleteTenant(alice)).then([tenantDeleted()]);
    });
    it('records the reason when given', () => {
      given(created).when(deleteTenant(alice, { reason: 'contract ended' })).then([tenantDeleted('contract ended')]);
    });
  });
  describe('when the actor is not an owner', () => {
    it('refuses an admin (FORBIDDEN)', () => {
      given([...created, memberAdded('bob', 'admin')]).when(deleteTenant(bob)).thenRejects('FORBIDDEN');
    });
    it('refuses a former owner demoted to admin (FORBIDDEN)', () => {
      given([...created, memberAdded('bob', 'owner'), memberRoleChanged('bob', 'owner', 'admin')])
        .when(deleteTenant(bob))
        .thenRejects('FORBIDDEN');
    });
  });
});
