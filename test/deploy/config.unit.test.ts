import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../deploy/config/config.ts';
import { ConfigError } from '../../deploy/config/errors.ts';
import { REPO_ROOT } from '../../deploy/config/env.ts';
import { writeStackState } from '../../deploy/state.ts';

const emptyDir = mkdtempSync(join(tmpdir(), 'palisade-config-'));
const stackDir = mkdtempSync(join(tmpdir(), 'palisade-config-stack-'));
writeStackState({
  version: 1,
  dataDir: stackDir,
  topicPrefix: 'dev.',
  partitions: 4,
  kafka: { mode: 'local', pid: 123, port: 19092, controllerPort: 19093, brokers: ['127.0.0.1:19092'], logFile: '/x' },
  postgres: { mode: 'embedded', pid: 456, port: 55432, url: 'postgres://postgres:pw@127.0.0.1:55432/palisade', logFile: '/y' },
  updatedAt: new Date(0).toISOString(),
});
afterAll(() => {
  rmSync(emptyDir, { recursive: true, force: true });
  rmSync(stackDir, { recursive: true, force: true });
});

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ PALISADE_DATA_DIR: emptyDir, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('when nothing is set and no stack is recorded, it uses the local defaults', () => {
    const config = loadConfig({ PALISADE_DATA_DIR: emptyDir }, false);
    expect(config).toEqual({
      dataDir: emptyDir,
      kafka: { brokers: ['127.0.0.1:9092'] },
      topicPrefix: '',
      partitions: 6,
      databaseUrl: 'postgres://postgres:palisade@127.0.0.1:54329/palisade',
      logLevel: 'info',
      logFormat: 'json',
      sessionTimeoutMs: 30_000,
    });
  });

  it('logs JSON unless a person is at a terminal, and PALISADE_LOG_FORMAT decides when set', () => {
    const format = (env: Record<string, string>, tty: boolean) => loadConfig({ PALISADE_DATA_DIR: emptyDir, ...env }, tty).logFormat;
    expect(format({}, false)).toBe('json');
    expect(format({}, true)).toBe('pretty');
    expect(format({ PALISADE_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(format({ PALISADE_LOG_FORMAT: 'Pretty' }, false)).toBe('pretty');
    expect(() => format({ PALISADE_LOG_FORMAT: 'xml' }, false)).toThrow(/PALISADE_LOG_FORMAT/);
  });

  it('defaults the data dir to .palisade at the repository root', () => {
    expect(loadConfig({}).dataDir).toBe(join(REPO_ROOT, '.palisade'));
  });

  it('when a stack is recorded, it takes brokers, database, prefix and partitions from stack.json', () => {
    const config = loadConfig({ PALISADE_DATA_DIR: stackDir });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(config.databaseUrl).toBe('postgres://postgres:pw@127.0.0.1:55432/palisade');
    expect(config.topicPrefix).toBe('dev.');
    expect(config.partitions).toBe(4);
  });

  it('prefers the environment over stack.json', () => {
    const config = loadConfig({
      PALISADE_DATA_DIR: stackDir,
      KAFKA_BROKERS: 'k1:9092, k2:9094',
      DATABASE_URL: 'postgresql://app@db.internal/palisade_prod',
      PALISADE_TOPIC_PREFIX: 'prod.',
      PALISADE_PARTITIONS: '12',
      PALISADE_LOG_LEVEL: 'WARN',
      PALISADE_SESSION_TIMEOUT_MS: '10000',
    });
    expect(config).toMatchObject({
      kafka: { brokers: ['k1:9092', 'k2:9094'] },
      databaseUrl: 'postgresql://app@db.internal/palisade_prod',
      topicPrefix: 'prod.',
      partitions: 12,
      logLevel: 'warn',
      sessionTimeoutMs: 10_000,
    });
  });

  it('follows PALISADE_KAFKA_PORT and PALISADE_PG_PORT for the defaults', () => {
    const config = loadConfig({ PALISADE_DATA_DIR: emptyDir, PALISADE_KAFKA_PORT: '29092', PALISADE_PG_PORT: '55555' });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:29092']);
    expect(config.databaseUrl).toBe('postgres://postgres:palisade@127.0.0.1:55555/palisade');
  });

  it('returns a frozen object', () => {
    const config = loadConfig({ PALISADE_DATA_DIR: emptyDir });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.kafka)).toBe(true);
    expect(Object.isFrozen(config.kafka.brokers)).toBe(true);
  });

  it.each([
    ['KAFKA_BROKERS', 'localhost'],
    ['KAFKA_BROKERS', 'a:1,b:99999'],
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_URL', 'mysql://u@h/db'],
    ['DATABASE_URL', 'postgres://u@h'],
    ['PALISADE_PARTITIONS', 'six'],
    ['PALISADE_PARTITIONS', '0'],
    ['PALISADE_PARTITIONS', '1.5'],
    ['PALISADE_TOPIC_PREFIX', 'bad prefix/'],
    ['PALISADE_LOG_LEVEL', 'loud'],
    ['PALISADE_KAFKA_PORT', '65535'],
    ['PALISADE_PG_PORT', '80'],
    ['PALISADE_SESSION_TIMEOUT_MS', '1000'],
  ])('rejects %s=%s with a ConfigError naming it and showing a fix', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toMatch(/set it like|use /);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PALISADE_DATA_DIR: emptyDir, KAFKA_BROKERS: '', PALISADE_PARTITIONS: ' ' }).partitions).toBe(6);
  });

  it('names stack.json when it is corrupt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-config-bad-'));
    writeFileSync(join(dir, 'stack.json'), '{not json');
    try {
      expect(() => loadConfig({ PALISADE_DATA_DIR: dir })).toThrow(/stack\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
