// parseTenantCommand for the vault commands: every validation code, the shape rules (exactly
// one of a secret and its legacy form; the re-seal target decides its fields), and the order.
import { describe, expect, it } from 'vitest';
import { parseTenantCommand } from '../../domain/tenant/index.ts';
import type { RejectionCode } from '../../domain/tenant/index.ts';
import { BOX, LEGACY, metadata, QUERY_HASH, SOURCE_A, user } from './tenant-fixtures.ts';

const alice = metadata(user('alice'));
const connect = { sourceId: SOURCE_A, kind: 'postgres', name: 'Warehouse', credential: BOX };
const query = { sourceId: SOURCE_A, queryHash: QUERY_HASH, maxRows: 100, maxBytes: 1024 };
const resealKey = { target: 'provider-key', userId: 'bob', provider: 'anthropic', version: 1, secret: BOX };
const resealSource = { target: 'source-credential', userId: 'bob', sourceId: SOURCE_A, version: 2, secret: BOX };
const without = <T extends Record<string, unknown>>(object: T, key: keyof T) => {
  const { [key]: _, ...rest } = object;
  return rest;
};

type Row = readonly [what: string, type: string, payload: unknown, code: RejectionCode];

const INVALID: readonly Row[] = [
  // shape
  ['a ConnectSource with both credential and legacyCredential', 'ConnectSource', { ...connect, legacyCredential: LEGACY }, 'INVALID_PAYLOAD'],
  ['a ConnectSource with neither credential nor legacyCredential', 'ConnectSource', without(connect, 'credential'), 'INVALID_PAYLOAD'],
  ['a ConnectSource naming its owner', 'ConnectSource', { ...connect, ownerId: 'bob' }, 'INVALID_PAYLOAD'],
  ['a StoreProviderKey with both apiKey and legacyApiKey', 'StoreProviderKey', { provider: 'openai', apiKey: BOX, legacyApiKey: LEGACY }, 'INVALID_PAYLOAD'],
  ['a StoreProviderKey with neither', 'StoreProviderKey', { provider: 'openai' }, 'INVALID_PAYLOAD'],
  ['a StoreProviderKey naming a user', 'StoreProviderKey', { provider: 'openai', apiKey: BOX, userId: 'bob' }, 'INVALID_PAYLOAD'],
  ['a RotateProviderKey naming a user', 'RotateProviderKey', { provider: 'openai', apiKey: BOX, userId: 'bob' }, 'INVALID_PAYLOAD'],
  ['a DeleteProviderKey naming a user', 'DeleteProviderKey', { provider: 'openai', userId: 'bob' }, 'INVALID_PAYLOAD'],
  ['a RotateSourceCredential without a credential', 'RotateSourceCredential', { sourceId: SOURCE_A }, 'INVALID_PAYLOAD'],
  ['a RotateSourceCredential with a legacy credential', 'RotateSourceCredential', { sourceId: SOURCE_A, legacyCredential: LEGACY }, 'INVALID_PAYLOAD'],
  ['an AuthorizeSourceQuery with the query text', 'AuthorizeSourceQuery', { ...query, query: 'select 1' }, 'INVALID_PAYLOAD'],
  ['a RotateTenantKey with a field', 'RotateTenantKey', { keyVersion: 7 }, 'INVALID_PAYLOAD'],
  ['a RotateTenantKey with a null payload', 'RotateTenantKey', null, 'INVALID_PAYLOAD'],
  ['a provider-key re-seal without its provider', 'ResealLegacySecret', without(resealKey, 'provider'), 'INVALID_PAYLOAD'],
  ['a provider-key re-seal with a sourceId too', 'ResealLegacySecret', { ...resealKey, sourceId: SOURCE_A }, 'INVALID_PAYLOAD'],
  ['a source-credential re-seal without its sourceId', 'ResealLegacySecret', without(resealSource, 'sourceId'), 'INVALID_PAYLOAD'],
  ['a source-credential re-seal with a provider too', 'ResealLegacySecret', { ...resealSource, provider: 'anthropic' }, 'INVALID_PAYLOAD'],
  ['a re-seal without a version', 'ResealLegacySecret', without(resealKey, 'version'), 'INVALID_PAYLOAD'],
  ['a shape problem before a bad value', 'ConnectSource', { ...connect, sourceId: 'x', legacyCredential: LEGACY }, 'INVALID_PAYLOAD'],
  // INVALID_SOURCE_ID
  ['a non-UUID source id', 'ConnectSource', { ...connect, sourceId: 'warehouse' }, 'INVALID_SOURCE_ID'],
  ['an uppercase source id', 'RotateSourceCredential', { sourceId: SOURCE_A.toUpperCase(), credential: BOX }, 'INVALID_SOURCE_ID'],
  ['a numeric source id', 'DisconnectSource', { sourceId: 7 }, 'INVALID_SOURCE_ID'],
  ['a source id in braces', 'AuthorizeSourceQuery', { ...query, sourceId: `{${SOURCE_A}}` }, 'INVALID_SOURCE_ID'],
  ['a re-seal source id without dashes', 'ResealLegacySecret', { ...resealSource, sourceId: SOURCE_A.replaceAll('-', '') }, 'INVALID_SOURCE_ID'],
  // INVALID_SOURCE_KIND
  ['an unknown source kind', 'ConnectSource', { ...connect, kind: 'oracle' }, 'INVALID_SOURCE_KIND'],
  ['a source kind in the wrong case', 'ConnectSource', { ...connect, kind: 'Postgres' }, 'INVALID_SOURCE_KIND'],
  // INVALID_SOURCE_NAME
  ['an empty source name', 'ConnectSource', { ...connect, name: '' }, 'INVALID_SOURCE_NAME'],
  ['a source name with a trailing space', 'ConnectSource', { ...connect, name: 'Warehouse ' }, 'INVALID_SOURCE_NAME'],
  ['a source name with a control character', 'ConnectSource', { ...connect, name: 'Ware\u0000house' }, 'INVALID_SOURCE_NAME'],
  ['a source name of 201 characters', 'ConnectSource', { ...connect, name: 'n'.repeat(201) }, 'INVALID_SOURCE_NAME'],
  // INVALID_PROVIDER
  ['an unknown provider', 'StoreProviderKey', { provider: 'acme-llm', apiKey: BOX }, 'INVALID_PROVIDER'],
  ['a provider in the wrong case', 'RotateProviderKey', { provider: 'Anthropic', apiKey: BOX }, 'INVALID_PROVIDER'],
  ['a null provider', 'DeleteProviderKey', { provider: null }, 'INVALID_PROVIDER'],
  ['a re-seal of an unknown provider', 'ResealLegacySecret', { ...resealKey, provider: 'acme' }, 'INVALID_PROVIDER'],
  // INVALID_SECRET: intake boxes
  ['a box of 63 characters', 'ConnectSource', { ...connect, credential: 'A'.repeat(63) }, 'INVALID_SECRET'],
  ['a box of 16385 characters', 'RotateSourceCredential', { sourceId: SOURCE_A, credential: 'A'.repeat(16385) }, 'INVALID_SECRET'],
  ['a padded box', 'StoreProviderKey', { provider: 'openai', apiKey: `${'A'.repeat(66)}==` }, 'INVALID_SECRET'],
  ['a box in standard base64', 'RotateProviderKey', { provider: 'openai', apiKey: `${'A'.repeat(63)}+` }, 'INVALID_SECRET'],
  ['a box of a length no bytes have (1 mod 4)', 'StoreProviderKey', { provider: 'openai', apiKey: 'A'.repeat(65) }, 'INVALID_SECRET'],
  ['a box with non-zero trailing bits', 'StoreProviderKey', { provider: 'openai', apiKey: `${'A'.repeat(65)}B` }, 'INVALID_SECRET'],
  ['a box with a space', 'ResealLegacySecret', { ...resealKey, secret: `${BOX} ` }, 'INVALID_SECRET'],
  ['a box that is a number', 'RotateSourceCredential', { sourceId: SOURCE_A, credential: 12345 }, 'INVALID_SECRET'],
  ['a legacy value where a box is expected', 'RotateProviderKey', { provider: 'openai', apiKey: LEGACY }, 'INVALID_SECRET'],
  // INVALID_SECRET: legacy imports travel in intake boxes too (their ciphertext reaches no topic)
  ['a bare legacy value (not in an intake box)', 'ConnectSource', { ...without(connect, 'credential'), legacyCredential: LEGACY }, 'INVALID_SECRET'],
  ['a bare legacy value of several blocks', 'StoreProviderKey', { provider: 'openai', legacyApiKey: `${LEGACY}${'f'.repeat(64)}` }, 'INVALID_SECRET'],
  ['a padded box as a legacy import', 'StoreProviderKey', { provider: 'openai', legacyApiKey: `${'A'.repeat(66)}==` }, 'INVALID_SECRET'],
  // INVALID_QUERY_HASH
  ['an uppercase query hash', 'AuthorizeSourceQuery', { ...query, queryHash: QUERY_HASH.toUpperCase() }, 'INVALID_QUERY_HASH'],
  ['a query hash of 63 digits', 'AuthorizeSourceQuery', { ...query, queryHash: QUERY_HASH.slice(1) }, 'INVALID_QUERY_HASH'],
  ['a query instead of its hash', 'AuthorizeSourceQuery', { ...query, queryHash: 'select * from users' }, 'INVALID_QUERY_HASH'],
  // INVALID_LIMIT
  ['zero rows', 'AuthorizeSourceQuery', { ...query, maxRows: 0 }, 'INVALID_LIMIT'],
  ['1000001 rows', 'AuthorizeSourceQuery', { ...query, maxRows: 1_000_001 }, 'INVALID_LIMIT'],
  ['a fractional row count', 'AuthorizeSourceQuery', { ...query, maxRows: 1.5 }, 'INVALID_LIMIT'],
  ['a row count as a string', 'AuthorizeSourceQuery', { ...query, maxRows: '100' }, 'INVALID_LIMIT'],
  ['zero bytes', 'AuthorizeSourceQuery', { ...query, maxBytes: 0 }, 'INVALID_LIMIT'],
  ['104857601 bytes', 'AuthorizeSourceQuery', { ...query, maxBytes: 104_857_601 }, 'INVALID_LIMIT'],
  ['infinitely many bytes', 'AuthorizeSourceQuery', { ...query, maxBytes: Number.POSITIVE_INFINITY }, 'INVALID_LIMIT'],
  // INVALID_TARGET
  ['an unknown re-seal target', 'ResealLegacySecret', { ...resealKey, target: 'tenant-key' }, 'INVALID_TARGET'],
  ['a missing-case re-seal target', 'ResealLegacySecret', { ...resealKey, target: 'Provider-Key' }, 'INVALID_TARGET'],
  ['a target checked before the target\'s shape', 'ResealLegacySecret', { ...resealKey, target: 'nope', sourceId: SOURCE_A }, 'INVALID_TARGET'],
  // INVALID_VERSION
  ['version 0', 'ResealLegacySecret', { ...resealKey, version: 0 }, 'INVALID_VERSION'],
  ['a negative version', 'ResealLegacySecret', { ...resealSource, version: -1 }, 'INVALID_VERSION'],
  ['a fractional version', 'ResealLegacySecret', { ...resealKey, version: 1.5 }, 'INVALID_VERSION'],
  ['a version beyond an Avro int', 'ResealLegacySecret', { ...resealKey, version: 2 ** 31 }, 'INVALID_VERSION'],
  ['a version as a string', 'ResealLegacySecret', { ...resealKey, version: '1' }, 'INVALID_VERSION'],
  // existing codes on the new commands
  ['an erased user id that is not a principal id', 'EraseUser', { userId: 'a b' }, 'INVALID_USER_ID'],
  ['a re-seal for an invalid user id', 'ResealLegacySecret', { ...resealKey, userId: '' }, 'INVALID_USER_ID'],
  ['a disconnect reason of 501 characters', 'DisconnectSource', { sourceId: SOURCE_A, reason: 'r'.repeat(501) }, 'INVALID_REASON'],
  ['an empty erasure reason', 'EraseUser', { userId: 'bob', reason: '' }, 'INVALID_REASON'],
];

describe('parseTenantCommand (vault commands)', () => {
  describe('when the input is invalid', () => {
    it.each(INVALID)('rejects %s', (_, type, payload, code) => {
      const result = parseTenantCommand(type, payload, alice);
      expect(result.ok ? 'accepted' : result.rejection).toMatchObject({ code, authorization: false });
    });
  });

  describe('when a field is missing, extra or invalid', () => {
    const messageOf = (type: string, payload: unknown) => {
      const result = parseTenantCommand(type, payload, alice);
      return result.ok ? 'accepted' : result.rejection.message;
    };
    it('names both secret fields when not exactly one is given', () => {
      expect(messageOf('ConnectSource', without(connect, 'credential'))).toContain('"credential" and "legacyCredential"');
      expect(messageOf('StoreProviderKey', { provider: 'openai', apiKey: BOX, legacyApiKey: LEGACY })).toContain('"apiKey" and "legacyApiKey"');
    });
    it('names the field the re-seal target needs', () => {
      expect(messageOf('ResealLegacySecret', without(resealKey, 'provider'))).toContain('"provider"');
      expect(messageOf('ResealLegacySecret', { ...resealSource, provider: 'anthropic' })).toContain('"provider"');
    });
    it('names the field holding a bad secret, never its value', () => {
      const message = messageOf('StoreProviderKey', { provider: 'openai', legacyApiKey: LEGACY });
      expect(message).toContain('"legacyApiKey"');
      expect(message).not.toContain(LEGACY);
    });
  });

  describe('when the input is valid', () => {
    it('builds a ConnectSource with an intake box', () => {
      expect(parseTenantCommand('ConnectSource', connect, alice)).toStrictEqual({ ok: true, command: { type: 'ConnectSource', data: connect, metadata: alice } });
    });
    it('builds a ConnectSource with a legacy import (an intake box) and no credential key', () => {
      const payload = { ...without(connect, 'credential'), credential: undefined, legacyCredential: BOX };
      const result = parseTenantCommand('ConnectSource', payload, alice);
      expect(result.ok && result.command.data).toStrictEqual({ sourceId: SOURCE_A, kind: 'postgres', name: 'Warehouse', legacyCredential: BOX });
    });
    it('accepts every source kind and provider', () => {
      for (const kind of ['postgres', 'mysql', 'snowflake', 'slack', 'github', 'gitlab', 'google-drive', 'salesforce']) {
        expect(parseTenantCommand('ConnectSource', { ...connect, kind }, alice).ok).toBe(true);
      }
      for (const provider of ['anthropic', 'openai', 'google', 'mistral', 'cohere']) {
        expect(parseTenantCommand('DeleteProviderKey', { provider }, alice).ok).toBe(true);
      }
    });
    it('accepts boxes of 64 and 16384 characters, with either tail length', () => {
      for (const box of ['A'.repeat(64), 'A'.repeat(16384), `${'A'.repeat(64)}AQ`, `${'A'.repeat(64)}AAE`]) {
        expect(parseTenantCommand('RotateProviderKey', { provider: 'openai', apiKey: box }, alice).ok).toBe(true);
      }
    });
    it('accepts a legacy import in an intake box', () => {
      expect(parseTenantCommand('StoreProviderKey', { provider: 'openai', legacyApiKey: BOX }, alice).ok).toBe(true);
    });
    it('accepts the limits at both ends', () => {
      expect(parseTenantCommand('AuthorizeSourceQuery', { ...query, maxRows: 1, maxBytes: 1 }, alice).ok).toBe(true);
      expect(parseTenantCommand('AuthorizeSourceQuery', { ...query, maxRows: 1_000_000, maxBytes: 104_857_600 }, alice).ok).toBe(true);
    });
    it('builds a RotateTenantKey from an empty payload', () => {
      expect(parseTenantCommand('RotateTenantKey', {}, alice)).toStrictEqual({ ok: true, command: { type: 'RotateTenantKey', data: {}, metadata: alice } });
    });
    it('builds an EraseUser without a reason key when none is given', () => {
      const result = parseTenantCommand('EraseUser', { userId: 'bob', reason: undefined }, alice);
      expect(result.ok && result.command.data).toStrictEqual({ userId: 'bob' });
    });
    it('builds both kinds of ResealLegacySecret with exactly their fields', () => {
      const key = parseTenantCommand('ResealLegacySecret', resealKey, alice);
      const source = parseTenantCommand('ResealLegacySecret', { ...resealSource, provider: undefined }, alice);
      expect(key.ok && key.command.data).toStrictEqual(resealKey);
      expect(source.ok && source.command.data).toStrictEqual(resealSource);
    });
  });
});
