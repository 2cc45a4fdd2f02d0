import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMAS_DIR, SchemaRegistry, latestVersion, schemaRegistry } from '../../schemas/registry.ts';
import { codeThrownBy } from '../fixtures/errors.ts';
import { AVRO_FIXTURES_DIR } from '../fixtures/vectors.ts';

const PUBLISHED = [
  'envelope/CommandEnvelope.v1', 'envelope/EventEnvelope.v1', 'envelope/CommandResult.v1', 'envelope/CommandResult.v2', 'envelope/DeadLetter.v1',
  'commands/CreateTenant.v1', 'commands/AddMember.v1', 'commands/ChangeRole.v1', 'commands/RemoveMember.v1', 'commands/DeleteTenant.v1',
  'events/TenantCreated.v1', 'events/MemberAdded.v1', 'events/MemberRoleChanged.v1', 'events/MemberRemoved.v1',
  'events/TenantDeleted.v1', 'events/CommandRejected.v1',
  // Sources, provider keys, tenant keys, erasure (issue 5)
  'commands/ConnectSource.v1', 'commands/RotateSourceCredential.v1', 'commands/DisconnectSource.v1', 'commands/AuthorizeSourceQuery.v1',
  'commands/StoreProviderKey.v1', 'commands/RotateProviderKey.v1', 'commands/DeleteProviderKey.v1', 'commands/RotateTenantKey.v1',
  'commands/EraseUser.v1', 'commands/ResealLegacySecret.v1',
  'events/SourceConnected.v1', 'events/SourceCredentialRotated.v1', 'events/SourceDisconnected.v1', 'events/SourceQueryAuthorized.v1',
  'events/ProviderKeyStored.v1', 'events/ProviderKeyRotated.v1', 'events/ProviderKeyDeleted.v1', 'events/TenantKeyRotated.v1',
  'events/UserErased.v1', 'events/LegacySecretResealed.v1',
  // Chat turns and memories (issue 7)
  'commands/StartConversation.v1', 'commands/ChatTurn.v1', 'commands/RecordAssistantReply.v1', 'commands/DeleteConversation.v1',
  'commands/StoreMemory.v1', 'commands/ForgetMemory.v1',
  'events/ConversationStarted.v1', 'events/ChatTurnRequested.v1', 'events/AssistantReplied.v1', 'events/ChatTurnFailed.v1',
  'events/ConversationDeleted.v1', 'events/MemoryStored.v1', 'events/MemoryForgotten.v1',
];

describe('schemaRegistry', () => {
  it('loads every published schema with its group, name and version', () => {
    const loaded = schemaRegistry.entries().map((e) => `${e.group}/${e.name}.v${e.version}`);
    expect(loaded.sort()).toEqual([...PUBLISHED].sort());
    const memberAdded = schemaRegistry.get('MemberAdded', 1)!;
    expect(memberAdded).toMatchObject({ fullName: 'palisade.events.MemberAdded', group: 'events', version: 1 });
    expect(memberAdded.header.subarray(0, 2).toString('hex')).toBe('c301');
    expect(schemaRegistry.byFingerprint(memberAdded.fingerprint)).toBe(memberAdded);
  });

  it('finds the writer of single-object bytes by fingerprint', () => {
    const entry = schemaRegistry.get('EventEnvelope', 1)!;
    expect(schemaRegistry.writerOf(Buffer.concat([entry.header, Buffer.of(0)]))).toBe(entry);
  });

  it('names the latest version of each payload type per group', () => {
    expect(latestVersion('events', 'MemberAdded')).toBe(1);
    expect(latestVersion('commands', 'AddMember')).toBe(1);
    expect(codeThrownBy(() => latestVersion('events', 'AddMember'))).toBe('UNKNOWN_SCHEMA');
    expect(codeThrownBy(() => latestVersion('commands', 'ProviderKeyStored'))).toBe('UNKNOWN_SCHEMA');
  });

  it('adds later versions from another directory, and the latest moves', () => {
    const registry = SchemaRegistry.load([SCHEMAS_DIR, join(AVRO_FIXTURES_DIR, 'evolution')]);
    expect(latestVersion('events', 'MemberAdded', registry)).toBe(2);
    expect(registry.get('MemberAdded', 1)!.fingerprint).toBe(schemaRegistry.get('MemberAdded', 1)!.fingerprint);
    expect(registry.get('MemberAdded', 2)!.fingerprint).not.toBe(registry.get('MemberAdded', 1)!.fingerprint);
  });
});

describe('SchemaRegistry.load refuses inconsistent schema sets (INVALID_SCHEMA_FILE)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-schemas-'));
    mkdirSync(join(dir, 'events'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const record = (name: string, namespace = 'palisade.events', fields: unknown[] = [{ name: 'a', type: 'string' }]) =>
    JSON.stringify({ type: 'record', name, namespace, fields });

  it('a second version with the same canonical form (only a doc changed)', () => {
    copyFileSync(join(SCHEMAS_DIR, 'events/MemberAdded.v1.avsc'), join(dir, 'events/MemberAdded.v2.avsc'));
    expect(codeThrownBy(() => SchemaRegistry.load([SCHEMAS_DIR, dir]))).toBe('INVALID_SCHEMA_FILE');
  });

  it.each([
    ['a file name without a version', 'events/Thing.avsc', record('Thing')],
    ['a record named unlike its file', 'events/Thing.v1.avsc', record('Other')],
    ['a namespace outside palisade.<group>', 'events/Thing.v1.avsc', record('Thing', 'acme.events')],
    ['an events schema in the commands folder', 'commands/Thing.v1.avsc', record('Thing')],
    ['a union that is not ["null", T]', 'events/Thing.v1.avsc', record('Thing', 'palisade.events', [{ name: 'u', type: ['int', 'string'] }])],
    ['invalid JSON', 'events/Thing.v1.avsc', '{'],
    ['a short name already used by another group', 'events/AddMember.v1.avsc', record('AddMember')],
  ])('%s', (_name, file, content) => {
    mkdirSync(join(dir, 'commands'), { recursive: true });
    writeFileSync(join(dir, file), content);
    expect(codeThrownBy(() => SchemaRegistry.load([SCHEMAS_DIR, dir]))).toBe('INVALID_SCHEMA_FILE');
  });
});
