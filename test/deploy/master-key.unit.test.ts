// The vault master key at start-up (deploy/config/master-key.ts) and the local development key that
// `palisade stack up` makes (deploy/master-key.ts): where the key comes from, and every refusal
// names PALISADE_MASTER_KEY / PALISADE_MASTER_KEY_FILE and how to make a key, never the key.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, MasterKeyError } from '../../deploy/config/errors.ts';
import { devMasterKeyFile, loadMasterKey, masterKeySource, readMasterKeyFile } from '../../deploy/config/master-key.ts';
import { ensureDevMasterKeyFile } from '../../deploy/master-key.ts';
import { writeStackState } from '../../deploy/state.ts';
import { destroyKek, kekIdOf } from '../../crypto/vault/index.ts';

const HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const root = mkdtempSync(join(tmpdir(), 'palisade-master-key-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = () => {
  const d = join(root, `d${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

function keyFile(content: string, mode = 0o600): string {
  const file = join(dir(), 'master.key');
  writeFileSync(file, content, { mode });
  chmodSync(file, mode);
  return file;
}

/** A data dir whose stack.json records an embedded PostgreSQL at `url`. */
function stackDir(url = 'postgres://postgres:palisade@127.0.0.1:54329/palisade'): string {
  const d = dir();
  writeStackState({
    version: 1, dataDir: d, topicPrefix: '', partitions: 3,
    postgres: { mode: 'embedded', pid: 1, port: 54329, url, logFile: '/dev/null' },
    updatedAt: new Date(0).toISOString(),
  });
  return d;
}

function refusal(fn: () => unknown): MasterKeyError {
  try {
    const kek = fn() as { key?: Uint8Array } | undefined;
    if (kek?.key) destroyKek(kek as never);
  } catch (error) {
    if (error instanceof MasterKeyError) return error;
    throw error;
  }
  throw new Error('expected a MasterKeyError');
}

const EXPECTED_ID = kekIdOf(Buffer.from(HEX, 'hex'));

describe('loadMasterKey', () => {
  it('reads PALISADE_MASTER_KEY (64 hex digits)', () => {
    const kek = loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY: HEX });
    expect(kek.id).toBe(EXPECTED_ID);
    destroyKek(kek);
    expect(loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY: HEX.toUpperCase() }).id).toBe(EXPECTED_ID);
  });

  it('reads PALISADE_MASTER_KEY_FILE (0600, one optional trailing newline)', () => {
    expect(loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY_FILE: keyFile(`${HEX}\n`) }).id).toBe(EXPECTED_ID);
    expect(loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY_FILE: keyFile(HEX, 0o400) }).id).toBe(EXPECTED_ID);
  });

  it('refuses when nothing is set and no local stack is recorded, naming both variables and openssl', () => {
    const error = refusal(() => loadMasterKey({ dataDir: dir() }, {}));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('MASTER_KEY_MISSING');
    expect(error.message).toContain('PALISADE_MASTER_KEY');
    expect(error.message).toContain('PALISADE_MASTER_KEY_FILE');
    expect(error.message).toContain('openssl rand -hex 32');
    expect(refusal(() => loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY: '', PALISADE_MASTER_KEY_FILE: '' })).code).toBe('MASTER_KEY_MISSING');
  });

  it('refuses both variables at once', () => {
    const error = refusal(() => loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY: HEX, PALISADE_MASTER_KEY_FILE: keyFile(HEX) }));
    expect(error.code).toBe('MASTER_KEY_AMBIGUOUS');
    expect(error.message).toMatch(/PALISADE_MASTER_KEY and PALISADE_MASTER_KEY_FILE are both set/);
  });

  it.each([
    ['too short', HEX.slice(2)],
    ['not hex', `${HEX.slice(0, 62)}zz`],
    ['base64', Buffer.from(HEX, 'hex').toString('base64')],
    ['padded', ` ${HEX}`],
  ])('refuses a malformed PALISADE_MASTER_KEY (%s) without echoing it', (_what, value) => {
    const error = refusal(() => loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY: value }));
    expect(error.code).toBe('MASTER_KEY_MALFORMED');
    expect(error.variable).toBe('PALISADE_MASTER_KEY');
    expect(error.message).toContain('openssl rand -hex 32');
    expect(error.message).not.toContain(value.trim());
  });

  it('refuses a key file that group or others can read, with the chmod to run', () => {
    const file = keyFile(HEX, 0o644);
    const error = refusal(() => loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY_FILE: file }));
    expect(error.code).toBe('MASTER_KEY_PERMISSIONS');
    expect(error.message).toContain(`chmod 600 ${file}`);
    expect(error.message).toContain('PALISADE_MASTER_KEY_FILE');
    expect(refusal(() => loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY_FILE: keyFile(HEX, 0o640) })).code).toBe('MASTER_KEY_PERMISSIONS');
    expect(refusal(() => loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY_FILE: dir() })).code).toBe('MASTER_KEY_PERMISSIONS');
  });

  it('refuses a missing or malformed key file without echoing its content', () => {
    const missing = refusal(() => loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY_FILE: join(root, 'nope.key') }));
    expect(missing.code).toBe('MASTER_KEY_UNREADABLE');
    expect(missing.message).toContain('ENOENT');
    const content = `${HEX.slice(0, 60)}\n`;
    const malformed = refusal(() => loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY_FILE: keyFile(content) }));
    expect(malformed.code).toBe('MASTER_KEY_MALFORMED');
    expect(malformed.message).toContain('openssl rand -hex 32');
    expect(malformed.message).not.toContain(content.trim());
    expect(refusal(() => loadMasterKey({ dataDir: dir() }, { PALISADE_MASTER_KEY_FILE: keyFile(`${HEX}\n\n`) })).code).toBe('MASTER_KEY_MALFORMED');
  });
});

describe('the local development key', () => {
  it('is used when neither variable is set and the local stack is recorded with its database server', () => {
    const data = stackDir();
    const made = ensureDevMasterKeyFile(devMasterKeyFile(data));
    const kek = loadMasterKey({ dataDir: data, databaseUrl: 'postgres://postgres:palisade@127.0.0.1:54329/palisade_test_x' }, {});
    expect(kek.id).toBe(made.kekId);
    expect(masterKeySource({ dataDir: data }, {})).toEqual({ kind: 'dev-file', file: devMasterKeyFile(data) });
    // The environment always wins over the development key.
    expect(loadMasterKey({ dataDir: data }, { PALISADE_MASTER_KEY: HEX }).id).toBe(EXPECTED_ID);
  });

  it('is not used with another database server (e.g. DATABASE_URL pointing elsewhere)', () => {
    const data = stackDir();
    ensureDevMasterKeyFile(devMasterKeyFile(data));
    const error = refusal(() => loadMasterKey({ dataDir: data, databaseUrl: 'postgres://app:pw@db.example.com:5432/palisade' }, {}));
    expect(error.code).toBe('MASTER_KEY_MISSING');
    expect(error.message).toContain("used only with the local stack's database server");
    expect(refusal(() => loadMasterKey({ dataDir: data, databaseUrl: 'postgres://postgres:palisade@127.0.0.1:5432/palisade' }, {})).code).toBe('MASTER_KEY_MISSING');
  });

  it('is not used without a recorded stack, even when the file is there', () => {
    const data = dir();
    ensureDevMasterKeyFile(devMasterKeyFile(data));
    expect(refusal(() => loadMasterKey({ dataDir: data }, {})).code).toBe('MASTER_KEY_MISSING');
  });

  it('missing on a recorded stack: says to run `palisade stack up`', () => {
    const error = refusal(() => loadMasterKey({ dataDir: stackDir() }, {}));
    expect(error.code).toBe('MASTER_KEY_MISSING');
    expect(error.message).toContain('palisade stack up');
  });

  it('is refused when group or others can read it', () => {
    const data = stackDir();
    ensureDevMasterKeyFile(devMasterKeyFile(data));
    chmodSync(devMasterKeyFile(data), 0o644);
    const error = refusal(() => loadMasterKey({ dataDir: data }, {}));
    expect(error.code).toBe('MASTER_KEY_PERMISSIONS');
    expect(error.message).toContain('the local development key');
  });
});

describe('ensureDevMasterKeyFile', () => {
  it('creates 64 hex digits and a newline, 0600 in a 0700 directory, once; never overwrites', () => {
    const data = dir();
    const file = devMasterKeyFile(data);
    expect(file).toBe(join(data, 'keys', 'master.key'));
    const first = ensureDevMasterKeyFile(file);
    expect(first.created).toBe(true);
    expect(first.kekId).toMatch(/^[0-9a-f]{32}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, 'keys')).mode & 0o777).toBe(0o700);
    const content = readFileSync(file, 'utf8');
    expect(content).toMatch(/^[0-9a-f]{64}\n$/);
    expect(ensureDevMasterKeyFile(file)).toEqual({ created: false, keyFile: file });
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(readMasterKeyFile(file).id).toBe(first.kekId);
  });

  it('makes a different key in each data folder', () => {
    const a = ensureDevMasterKeyFile(devMasterKeyFile(dir()));
    const b = ensureDevMasterKeyFile(devMasterKeyFile(dir()));
    expect(a.kekId).not.toBe(b.kekId);
  });
});
