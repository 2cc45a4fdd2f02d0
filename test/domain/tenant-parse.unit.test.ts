// parseTenantCommand: untrusted JSON in, typed command or a stable code out.
import { describe, expect, it } from 'vitest';
import type { CommandMetadata } from '../../domain/messages.ts';
import { parseTenantCommand } from '../../domain/tenant/index.ts';
import type { RejectionCode } from '../../domain/tenant/index.ts';
import { COMMAND_ID, metadata, TENANT_ID, user } from './tenant-fixtures.ts';

const alice = metadata(user('alice'));
const owner = { userId: 'alice', email: 'alice@example.com' };
const createPayload = { name: 'Acme', owner };
const addPayload = { userId: 'bob', email: 'bob@example.com', role: 'member' };
// Metadata arrives from the wire; the table feeds it malformed values the types would forbid.
const meta = (overrides: Record<string, unknown>) => ({ ...alice, ...overrides }) as unknown as CommandMetadata;
const actor = (value: unknown) => meta({ actor: value });

type Row = readonly [what: string, type: string, payload: unknown, metadata: CommandMetadata, code: RejectionCode];

const INVALID: readonly Row[] = [
  // command type
  ['an unknown command type', 'DropTables', {}, alice, 'UNKNOWN_COMMAND_TYPE'],
  ['a command type in the wrong case', 'createtenant', createPayload, alice, 'UNKNOWN_COMMAND_TYPE'],
  ['an event type used as a command', 'TenantCreated', createPayload, alice, 'UNKNOWN_COMMAND_TYPE'],
  ['a prototype key as command type', 'constructor', {}, alice, 'UNKNOWN_COMMAND_TYPE'],
  // metadata
  ['an uppercase tenant id', 'DeleteTenant', {}, meta({ tenantId: TENANT_ID.toUpperCase() }), 'INVALID_TENANT_ID'],
  ['a tenant id without dashes', 'DeleteTenant', {}, meta({ tenantId: TENANT_ID.replaceAll('-', '') }), 'INVALID_TENANT_ID'],
  ['a tenant id in braces', 'DeleteTenant', {}, meta({ tenantId: `{${TENANT_ID}}` }), 'INVALID_TENANT_ID'],
  ['a tenant id with a trailing newline', 'DeleteTenant', {}, meta({ tenantId: `${TENANT_ID}\n` }), 'INVALID_TENANT_ID'],
  ['a missing tenant id', 'DeleteTenant', {}, meta({ tenantId: undefined }), 'INVALID_TENANT_ID'],
  ['a non-UUID command id', 'DeleteTenant', {}, meta({ commandId: 'cmd-1' }), 'INVALID_COMMAND_ID'],
  ['an uppercase command id', 'DeleteTenant', {}, meta({ commandId: COMMAND_ID.toUpperCase() }), 'INVALID_COMMAND_ID'],
  ['an unknown actor kind', 'DeleteTenant', {}, actor({ kind: 'admin', id: 'alice' }), 'INVALID_ACTOR'],
  ['an empty actor id', 'DeleteTenant', {}, actor({ kind: 'user', id: '' }), 'INVALID_ACTOR'],
  ['an actor id starting with a dot', 'DeleteTenant', {}, actor({ kind: 'user', id: '.alice' }), 'INVALID_ACTOR'],
  ['an actor id with a space', 'DeleteTenant', {}, actor({ kind: 'user', id: 'al ice' }), 'INVALID_ACTOR'],
  ['an actor id of 129 characters', 'DeleteTenant', {}, actor({ kind: 'user', id: 'a'.repeat(129) }), 'INVALID_ACTOR'],
  ['a null actor', 'DeleteTenant', {}, actor(null), 'INVALID_ACTOR'],
  ['metadata checked before payload', 'CreateTenant', null, meta({ commandId: 'x' }), 'INVALID_COMMAND_ID'],
  // payload shape
  ['a null payload', 'DeleteTenant', null, alice, 'INVALID_PAYLOAD'],
  ['an array payload', 'DeleteTenant', [], alice, 'INVALID_PAYLOAD'],
  ['a string payload', 'CreateTenant', JSON.stringify(createPayload), alice, 'INVALID_PAYLOAD'],
  ['an unknown extra field', 'AddMember', { ...addPayload, admin: true }, alice, 'INVALID_PAYLOAD'],
  ['a __proto__ field from JSON.parse', 'DeleteTenant', JSON.parse('{"__proto__":{"x":1}}'), alice, 'INVALID_PAYLOAD'],
  ['a missing field', 'AddMember', { userId: 'bob', email: 'bob@example.com' }, alice, 'INVALID_PAYLOAD'],
  ['an owner that is not an object', 'CreateTenant', { name: 'Acme', owner: 'alice' }, alice, 'INVALID_PAYLOAD'],
  ['an unknown field inside owner', 'CreateTenant', { name: 'Acme', owner: { ...owner, role: 'owner' } }, alice, 'INVALID_PAYLOAD'],
  ['a missing owner email', 'CreateTenant', { name: 'Acme', owner: { userId: 'alice' } }, alice, 'INVALID_PAYLOAD'],
  ['a shape problem before a bad value', 'AddMember', { userId: '', email: 'x', role: 'god', extra: 1 }, alice, 'INVALID_PAYLOAD'],
  // user ids
  ['an empty user id', 'AddMember', { ...addPayload, userId: '' }, alice, 'INVALID_USER_ID'],
  ['a numeric user id', 'AddMember', { ...addPayload, userId: 42 }, alice, 'INVALID_USER_ID'],
  ['a user id with a slash', 'ChangeRole', { userId: 'a/b', role: 'admin' }, alice, 'INVALID_USER_ID'],
  ['a user id starting with @', 'RemoveMember', { userId: '@bob' }, alice, 'INVALID_USER_ID'],
  ['an owner user id of 129 characters', 'CreateTenant', { name: 'Acme', owner: { ...owner, userId: 'b'.repeat(129) } }, alice, 'INVALID_USER_ID'],
  // emails
  ['an email without @', 'AddMember', { ...addPayload, email: 'bob.example.com' }, alice, 'INVALID_EMAIL'],
  ['an email with two @', 'AddMember', { ...addPayload, email: 'bob@ex@ample.com' }, alice, 'INVALID_EMAIL'],
  ['an email with an undotted domain', 'AddMember', { ...addPayload, email: 'bob@localhost' }, alice, 'INVALID_EMAIL'],
  ['an email with an empty domain label', 'AddMember', { ...addPayload, email: 'bob@example..com' }, alice, 'INVALID_EMAIL'],
  ['an email with an empty local part', 'AddMember', { ...addPayload, email: '@example.com' }, alice, 'INVALID_EMAIL'],
  ['an email with a space', 'AddMember', { ...addPayload, email: 'bob smith@example.com' }, alice, 'INVALID_EMAIL'],
  ['an email with a trailing newline', 'AddMember', { ...addPayload, email: 'bob@example.com\n' }, alice, 'INVALID_EMAIL'],
  ['an email with a NUL', 'AddMember', { ...addPayload, email: 'bob\u0000@example.com' }, alice, 'INVALID_EMAIL'],
  ['an email local part of 65 characters', 'AddMember', { ...addPayload, email: `${'b'.repeat(65)}@example.com` }, alice, 'INVALID_EMAIL'],
  ['an email of 255 characters', 'AddMember', { ...addPayload, email: `bob@${'d'.repeat(247)}.com` }, alice, 'INVALID_EMAIL'],
  ['an owner email that is not a string', 'CreateTenant', { name: 'Acme', owner: { ...owner, email: ['a@b.c'] } }, alice, 'INVALID_EMAIL'],
  // roles
  ['an unknown role', 'AddMember', { ...addPayload, role: 'superuser' }, alice, 'INVALID_ROLE'],
  ['a role in the wrong case', 'ChangeRole', { userId: 'bob', role: 'Owner' }, alice, 'INVALID_ROLE'],
  ['a null role', 'ChangeRole', { userId: 'bob', role: null }, alice, 'INVALID_ROLE'],
  // tenant names
  ['an empty name', 'CreateTenant', { ...createPayload, name: '' }, alice, 'INVALID_TENANT_NAME'],
  ['a name of spaces only', 'CreateTenant', { ...createPayload, name: '   ' }, alice, 'INVALID_TENANT_NAME'],
  ['a name with a leading space', 'CreateTenant', { ...createPayload, name: ' Acme' }, alice, 'INVALID_TENANT_NAME'],
  ['a name with a trailing no-break space', 'CreateTenant', { ...createPayload, name: 'Acme\u00a0' }, alice, 'INVALID_TENANT_NAME'],
  ['a name with a control character', 'CreateTenant', { ...createPayload, name: 'Ac\u0007me' }, alice, 'INVALID_TENANT_NAME'],
  ['a name with a C1 control character', 'CreateTenant', { ...createPayload, name: 'Ac\u0085me' }, alice, 'INVALID_TENANT_NAME'],
  ['a name with a lone surrogate', 'CreateTenant', { ...createPayload, name: 'Ac\ud800me' }, alice, 'INVALID_TENANT_NAME'],
  ['a name of 201 characters', 'CreateTenant', { ...createPayload, name: 'n'.repeat(201) }, alice, 'INVALID_TENANT_NAME'],
  ['a numeric name', 'CreateTenant', { ...createPayload, name: 7 }, alice, 'INVALID_TENANT_NAME'],
  // reasons
  ['a reason of 501 characters', 'DeleteTenant', { reason: 'r'.repeat(501) }, alice, 'INVALID_REASON'],
  ['an empty reason (omit it instead)', 'DeleteTenant', { reason: '' }, alice, 'INVALID_REASON'],
  ['a null reason (optional fields are absent, never null)', 'RemoveMember', { userId: 'bob', reason: null }, alice, 'INVALID_REASON'],
  ['a reason with a control character', 'RemoveMember', { userId: 'bob', reason: 'left\u001b[31m' }, alice, 'INVALID_REASON'],
];

describe('parseTenantCommand', () => {
  describe('when the input is invalid', () => {
    it.each(INVALID)('rejects %s', (_, type, payload, metadata, code) => {
      const result = parseTenantCommand(type, payload, metadata);
      expect(result.ok ? 'accepted' : result.rejection).toMatchObject({ code, authorization: false });
    });
  });

  describe('when a field is unknown or missing', () => {
    const messageOf = (type: string, payload: unknown) => {
      const result = parseTenantCommand(type, payload, alice);
      return result.ok ? 'accepted' : result.rejection.message;
    };
    it('names the unknown field', () => {
      expect(messageOf('AddMember', { ...addPayload, isAdmin: true })).toContain('"isAdmin"');
    });
    it('names the missing field', () => {
      expect(messageOf('AddMember', { userId: 'bob', role: 'member' })).toContain('"email"');
    });
    it('names nested fields by path', () => {
      expect(messageOf('CreateTenant', { name: 'Acme', owner: { userId: 'alice' } })).toContain('"owner.email"');
    });
    it('names the field with a bad value', () => {
      expect(messageOf('CreateTenant', { name: 'Acme', owner: { ...owner, userId: '' } })).toContain('"owner.userId"');
    });
  });

  describe('when the input is valid', () => {
    it('builds a CreateTenant command', () => {
      expect(parseTenantCommand('CreateTenant', createPayload, alice)).toStrictEqual({
        ok: true,
        command: { type: 'CreateTenant', data: { name: 'Acme', owner }, metadata: alice },
      });
    });
    it('builds an AddMember command, keeping the email as given', () => {
      const payload = { userId: 'svc.bot:1@x-y', email: 'Bob.Smith+tag@Example.co.uk', role: 'viewer' };
      expect(parseTenantCommand('AddMember', payload, alice)).toStrictEqual({
        ok: true,
        command: { type: 'AddMember', data: payload, metadata: alice },
      });
    });
    it('builds a ChangeRole command', () => {
      const result = parseTenantCommand('ChangeRole', { userId: 'bob', role: 'owner' }, alice);
      expect(result).toStrictEqual({ ok: true, command: { type: 'ChangeRole', data: { userId: 'bob', role: 'owner' }, metadata: alice } });
    });
    it('builds a RemoveMember command without a reason key when none is given', () => {
      const result = parseTenantCommand('RemoveMember', { userId: 'bob', reason: undefined }, alice);
      expect(result).toStrictEqual({ ok: true, command: { type: 'RemoveMember', data: { userId: 'bob' }, metadata: alice } });
    });
    it('builds a DeleteTenant command with a reason', () => {
      const result = parseTenantCommand('DeleteTenant', { reason: 'done' }, alice);
      expect(result).toStrictEqual({ ok: true, command: { type: 'DeleteTenant', data: { reason: 'done' }, metadata: alice } });
    });
    it('accepts the boundary lengths', () => {
      const payload = { name: 'n'.repeat(200), owner: { userId: 'u'.repeat(128), email: `${'l'.repeat(64)}@${'d'.repeat(185)}.com` } };
      expect(payload.owner.email).toHaveLength(254);
      expect(parseTenantCommand('CreateTenant', payload, alice).ok).toBe(true);
      expect(parseTenantCommand('DeleteTenant', { reason: 'r'.repeat(500) }, alice).ok).toBe(true);
    });
    it('counts characters, not UTF-16 units: 200 emoji are a valid name', () => {
      expect(parseTenantCommand('CreateTenant', { ...createPayload, name: '🛡'.repeat(100) + '🏰'.repeat(100) }, alice).ok).toBe(true);
    });
    it('accepts service and system actors', () => {
      for (const kind of ['service', 'system'] as const) {
        expect(parseTenantCommand('DeleteTenant', {}, meta({ actor: { kind, id: 'svc-1' } })).ok).toBe(true);
      }
    });
    it('drops metadata fields it does not know, so they never reach events', () => {
      const noisy = meta({ actor: { kind: 'user', id: 'alice', admin: true }, issuedAt: 'now' });
      const result = parseTenantCommand('DeleteTenant', {}, noisy);
      expect(result.ok && result.command.metadata).toStrictEqual(alice);
    });
  });
});
