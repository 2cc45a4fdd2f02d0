// The vault commands and events (issue 5) through their Avro schemas: every payload the domain
// parses or decides survives the wire unchanged, with the same hash, and a secret the processor
// forgot to seal (a PendingSecret) cannot be encoded at all.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventHash } from '../../domain/chain/event-hash.ts';
import { parseTenantCommand, TENANT_COMMAND_TYPES, tenantDecider } from '../../domain/tenant/index.ts';
import type { TenantCommand, TenantEvent } from '../../domain/tenant/index.ts';
import { decodeEvent, decodePayload, encodeEvent, encodePayload } from '../../schemas/codec.ts';
import type { JsonObject, LogicalEvent } from '../../domain/logical.ts';
import { SCHEMAS_DIR, latestVersion, schemaRegistry } from '../../schemas/registry.ts';
import { codeThrownBy } from '../fixtures/errors.ts';
import {
  authorizeSourceQuery,
  BOX,
  connectSource,
  deleteProviderKey,
  disconnectSource,
  eraseUser,
  LEGACY,
  memberAdded,
  metadata,
  providerKeyStored,
  QUERY_HASH,
  resealProviderKey,
  resealSourceCredential,
  rotateProviderKey,
  rotateSourceCredential,
  rotateTenantKey,
  logicalEventOf,
  service,
  SOURCE_A,
  SOURCE_B,
  sourceConnected,
  storeProviderKey,
  TENANT_ID,
  tenantCreated,
  tenantKeyRotated,
  user,
} from '../domain/tenant-fixtures.ts';

const VAULT_COMMANDS = [
  'ConnectSource', 'RotateSourceCredential', 'DisconnectSource', 'AuthorizeSourceQuery', 'StoreProviderKey',
  'RotateProviderKey', 'DeleteProviderKey', 'RotateTenantKey', 'EraseUser', 'ResealLegacySecret',
] as const;
const VAULT_EVENTS = [
  'SourceConnected', 'SourceCredentialRotated', 'SourceDisconnected', 'SourceQueryAuthorized', 'ProviderKeyStored',
  'ProviderKeyRotated', 'ProviderKeyDeleted', 'TenantKeyRotated', 'UserErased', 'LegacySecretResealed',
] as const;

describe('vault schemas', () => {
  it('exist for every command the domain parses', () => {
    for (const type of TENANT_COMMAND_TYPES) expect([type, latestVersion('commands', type)]).toStrictEqual([type, 1]);
  });
  it('exist for every vault event', () => {
    for (const type of VAULT_EVENTS) expect([type, latestVersion('events', type)]).toStrictEqual([type, 1]);
  });
  it('define the sealed value once per file, identically, as palisade.events.SealedValue { v, kid, kv, n, ct }', () => {
    const definitions = VAULT_EVENTS.flatMap((type) => {
      const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'events', `${type}.v1.avsc`), 'utf8')) as { fields: { name: string; type: unknown }[] };
      return schema.fields.flatMap((field) => {
        const branches = Array.isArray(field.type) ? field.type : [field.type];
        return branches.filter((t): t is { name: string } => typeof t === 'object' && t !== null && (t as { name?: unknown }).name === 'SealedValue')
          .map((definition) => ({ type, field: field.name, optional: Array.isArray(field.type), definition }));
      });
    });
    expect(definitions.map(({ type, field, optional }) => `${type}.${field}${optional ? '?' : ''}`)).toStrictEqual([
      'SourceConnected.credential?', 'SourceCredentialRotated.credential', 'ProviderKeyStored.secret?', 'ProviderKeyRotated.secret', 'LegacySecretResealed.secret',
    ]);
    const first = definitions[0]!.definition;
    expect(first).toMatchObject({ type: 'record', name: 'SealedValue', namespace: 'palisade.events' });
    expect((first as unknown as { fields: { name: string; type: string }[] }).fields).toStrictEqual([
      { name: 'v', type: 'int' }, { name: 'kid', type: 'string' }, { name: 'kv', type: 'int' }, { name: 'n', type: 'string' }, { name: 'ct', type: 'string' },
    ]);
    for (const { definition } of definitions) expect(definition).toStrictEqual(first);
  });
  it('use plain strings, not enums, for kind, provider, target and by', () => {
    const stringFields = { SourceConnected: ['kind'], ProviderKeyStored: ['provider'], SourceDisconnected: ['by'], LegacySecretResealed: ['target'] };
    for (const [type, names] of Object.entries(stringFields)) {
      const fields = (schemaRegistry.get(type, 1)!.type as unknown as { fields: { name: string; type: { typeName: string } }[] }).fields;
      for (const name of names) expect([type, name, fields.find((f) => f.name === name)!.type.typeName]).toStrictEqual([type, name, 'string']);
    }
  });
});

// Each valid payload, exactly as parseTenantCommand accepts it.
const COMMAND_PAYLOADS: readonly (readonly [string, JsonObject])[] = [
  ['ConnectSource', { sourceId: SOURCE_A, kind: 'salesforce', name: 'CRM', credential: BOX }],
  ['ConnectSource', { sourceId: SOURCE_A, kind: 'mysql', name: 'Legacy DB', legacyCredential: BOX }],
  ['RotateSourceCredential', { sourceId: SOURCE_A, credential: BOX }],
  ['DisconnectSource', { sourceId: SOURCE_A }],
  ['DisconnectSource', { sourceId: SOURCE_A, reason: 'moved to another warehouse' }],
  ['AuthorizeSourceQuery', { sourceId: SOURCE_A, queryHash: QUERY_HASH, maxRows: 1_000_000, maxBytes: 104_857_600 }],
  ['StoreProviderKey', { provider: 'anthropic', apiKey: BOX }],
  ['StoreProviderKey', { provider: 'cohere', legacyApiKey: BOX }],
  ['RotateProviderKey', { provider: 'google', apiKey: BOX }],
  ['DeleteProviderKey', { provider: 'openai' }],
  ['RotateTenantKey', {}],
  ['EraseUser', { userId: 'bob' }],
  ['EraseUser', { userId: 'bob', reason: 'right to erasure' }],
  ['ResealLegacySecret', { target: 'provider-key', userId: 'bob', provider: 'anthropic', version: 1, secret: BOX }],
  ['ResealLegacySecret', { target: 'source-credential', userId: 'bob', sourceId: SOURCE_A, version: 2147483647, secret: BOX }],
];

describe('vault command payloads', () => {
  it('cover every vault command', () => {
    expect(new Set(COMMAND_PAYLOADS.map(([type]) => type))).toStrictEqual(new Set(VAULT_COMMANDS));
  });
  it.each(COMMAND_PAYLOADS.map(([type, payload]) => [type, Object.keys(payload).join(','), payload] as const))(
    '%s {%s}: parsed by the domain, identical after Avro',
    (type, _, payload) => {
      const parsed = parseTenantCommand(type, payload, metadata(user('alice')));
      expect(parsed.ok && parsed.command.data).toStrictEqual(payload);
      expect(decodePayload(encodePayload(type, 1, payload))).toStrictEqual({ type, version: 1, group: 'commands', payload });
    },
  );
  it('refuse an explicit null for an absent secret', () => {
    expect(codeThrownBy(() => encodePayload('StoreProviderKey', 1, { provider: 'anthropic', apiKey: BOX, legacyApiKey: null }))).toBe('SCHEMA_MISMATCH');
  });
});

/** What the processor does before hashing: seal every PendingSecret, fill an empty mask. */
const logicalEvent = (event: TenantEvent, seq: number): LogicalEvent => logicalEventOf(event, seq, (data) => {
  if (data['mask'] === '') data['mask'] = 'sk-ant-…9f3a';
});

const HISTORY: readonly TenantEvent[] = [
  tenantCreated('alice'),
  memberAdded('bob', 'member'),
  tenantKeyRotated(2),
  sourceConnected('bob', SOURCE_A),
  sourceConnected('bob', SOURCE_B, true),
  providerKeyStored('bob'),
  providerKeyStored('bob', 'openai', true),
];
const bob = user('bob');
const DECIDED: readonly TenantCommand[] = [
  connectSource(bob, '2b000000-0000-4000-8000-000000000001'),
  connectSource(bob, '2b000000-0000-4000-8000-000000000002', { legacyCredential: BOX }),
  rotateSourceCredential(bob, SOURCE_A),
  disconnectSource(bob, SOURCE_A),
  disconnectSource(user('alice'), SOURCE_A, 'offboarding'),
  authorizeSourceQuery(bob, SOURCE_A),
  storeProviderKey(bob, 'mistral'),
  storeProviderKey(bob, 'google', BOX),
  rotateProviderKey(bob),
  deleteProviderKey(bob),
  rotateTenantKey(user('alice')),
  eraseUser(bob, 'bob', 'please'),
  resealProviderKey(service(), 'bob', 'openai', 1),
  resealSourceCredential(service(), 'bob', SOURCE_B, 1),
];

describe('vault events as decided', () => {
  const state = HISTORY.reduce(tenantDecider.evolve, tenantDecider.initialState());
  const events = DECIDED.flatMap((command) => {
    const decision = tenantDecider.decide(command, state);
    if (!decision.ok) throw new Error(`${command.type}: ${decision.rejection.code}`);
    return decision.events;
  });

  it('cover every vault event', () => {
    expect(new Set(events.map((e) => e.type))).toStrictEqual(new Set(VAULT_EVENTS));
  });
  it.each(events.map((event, i) => [event.type, i, event] as const))('%s #%i, once sealed: identical JSON and hash through EventEnvelope', (_, i, event) => {
    const logical = logicalEvent(event, i + 1);
    const hash = eventHash(logical);
    const decoded = decodeEvent(encodeEvent(logical, hash));
    expect(decoded.event).toStrictEqual(logical);
    expect(eventHash(decoded.event)).toBe(hash);
  });
  it.each(events.filter((e) => Object.values(e.data).some((v) => typeof v === 'object' && v !== null)).map((e) => [e.type, e] as const))(
    '%s with its PendingSecret still in place cannot be encoded (SCHEMA_MISMATCH)',
    (type, event) => {
      expect(codeThrownBy(() => encodePayload(type, 1, event.data))).toBe('SCHEMA_MISMATCH');
    },
  );
});
