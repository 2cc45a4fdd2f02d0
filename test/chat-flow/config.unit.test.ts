// The chat worker's configuration (deploy/config/chat.ts): defaults, validation with errors that name
// the variable, and where the producer key comes from.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../deploy/config/errors.ts';
import { DEFAULT_ANTHROPIC_BASE_URL, DEFAULT_CHAT_MODEL, loadChatConfig } from '../../deploy/config/chat.ts';
import { deriveIndexKey, indexKeyId } from '../../consumers/chat-worker/index-key.ts';
import { errorFields } from '../../consumers/chat-worker/logging.ts';
import { generateKek } from '../../crypto/vault/key-wrap.ts';

const DB = 'postgres://postgres:palisade@127.0.0.1:54329/palisade';
const NO_STACK = mkdtempSync(join(tmpdir(), 'palisade-chat-config-'));
const withKeyFile = { PALISADE_CHAT_WORKER_KEY_FILE: '/etc/palisade/chat-worker.json' };

function stackDir(url = DB): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-chat-stack-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'stack.json'), JSON.stringify({ version: 1, dataDir: dir, topicPrefix: '', partitions: 6, updatedAt: new Date().toISOString(), postgres: { mode: 'external', url } }));
  return dir;
}

function fails(env: Record<string, string>, variable: string): void {
  let error: unknown;
  try {
    loadChatConfig({ dataDir: NO_STACK, databaseUrl: DB }, { ...withKeyFile, ...env });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).variable).toBe(variable);
  expect((error as Error).message).toContain(variable);
}

describe('loadChatConfig', () => {
  it('has defaults for everything but the producer key', () => {
    const config = loadChatConfig({ dataDir: NO_STACK, databaseUrl: DB }, withKeyFile);
    expect(config).toEqual({
      baseURL: DEFAULT_ANTHROPIC_BASE_URL, model: DEFAULT_CHAT_MODEL, maxTokens: 1024, timeoutMs: 60_000, memoryLimit: 5,
      producerKey: { kind: 'file', file: '/etc/palisade/chat-worker.json' },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadChatConfig({ dataDir: NO_STACK, databaseUrl: DB }, {
      ...withKeyFile, PALISADE_ANTHROPIC_BASE_URL: 'http://127.0.0.1:8080/', PALISADE_CHAT_MODEL: 'claude-haiku-4-5', PALISADE_CHAT_MAX_TOKENS: '300',
      PALISADE_CHAT_TIMEOUT_MS: '5000', PALISADE_CHAT_MEMORY_LIMIT: '0', PALISADE_LEGACY_SECRET: 'old',
    });
    expect(config).toMatchObject({ baseURL: 'http://127.0.0.1:8080', model: 'claude-haiku-4-5', maxTokens: 300, timeoutMs: 5000, memoryLimit: 0, legacySecret: 'old' });
  });

  it('refuses bad values, naming the variable', () => {
    fails({ PALISADE_ANTHROPIC_BASE_URL: 'not a url' }, 'PALISADE_ANTHROPIC_BASE_URL');
    fails({ PALISADE_ANTHROPIC_BASE_URL: 'ftp://x' }, 'PALISADE_ANTHROPIC_BASE_URL');
    fails({ PALISADE_ANTHROPIC_BASE_URL: 'https://user:pw@api.example' }, 'PALISADE_ANTHROPIC_BASE_URL');
    fails({ PALISADE_CHAT_MODEL: 'a model' }, 'PALISADE_CHAT_MODEL');
    fails({ PALISADE_CHAT_MAX_TOKENS: '0' }, 'PALISADE_CHAT_MAX_TOKENS');
    fails({ PALISADE_CHAT_MAX_TOKENS: 'many' }, 'PALISADE_CHAT_MAX_TOKENS');
    fails({ PALISADE_CHAT_TIMEOUT_MS: '10' }, 'PALISADE_CHAT_TIMEOUT_MS');
    fails({ PALISADE_CHAT_MEMORY_LIMIT: '99' }, 'PALISADE_CHAT_MEMORY_LIMIT');
  });

  it('uses the development key file only on the local stack', () => {
    const dir = stackDir();
    expect(loadChatConfig({ dataDir: dir, databaseUrl: DB }, {}).producerKey).toEqual({ kind: 'dev-file', file: join(dir, 'keys', 'chat-worker.json') });
    expect(() => loadChatConfig({ dataDir: NO_STACK, databaseUrl: DB }, {})).toThrow(/PALISADE_CHAT_WORKER_KEY_FILE/);
    expect(() => loadChatConfig({ dataDir: dir, databaseUrl: 'postgres://u:p@db.internal:5432/palisade' }, {})).toThrow(/PALISADE_CHAT_WORKER_KEY_FILE/);
  });
});

describe('the memory index key', () => {
  it('is derived from the master key: stable for one key, different for another', () => {
    const a = generateKek();
    const b = generateKek();
    expect(indexKeyId(deriveIndexKey(a))).toBe(indexKeyId(deriveIndexKey(a)));
    expect(indexKeyId(deriveIndexKey(a))).not.toBe(indexKeyId(deriveIndexKey(b)));
    expect(Buffer.from(deriveIndexKey(a)).equals(Buffer.from(a.key))).toBe(false);
  });

  it('log fields of an error carry its class and code, never its message', () => {
    const error = Object.assign(new Error('sk-ant-secret in a message'), { code: 'X' });
    expect(errorFields(error)).toEqual({ errorName: 'Error', code: 'X' });
    expect(JSON.stringify(errorFields(error))).not.toContain('sk-ant');
  });
});
