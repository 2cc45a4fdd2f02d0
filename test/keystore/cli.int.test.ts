// `palisade vault intake-key|rotate-kek|open-counts` run as `node bin/palisade.js …` against a
// private migrated database, with the environment an operator sets (DATABASE_URL and the master
// key): output, the key store's state after, and exit codes with stable error codes.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMasterKeyFile } from '../../deploy/config/master-key.ts';
import { openPool } from '../../adapters/postgres/pool.ts';
import { KeyStore, KeyStoreError, userKid } from '../../crypto/vault/store/index.ts';
import { type Kek, destroyKek, generateKek, kekKeyFileBytes } from '../../crypto/vault/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/stack.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'palisade-vault-cli-'));
let db: TestDatabase;
let pool: pg.Pool;
const keks: Kek[] = [];

function writeKey(name: string, mode = 0o600): { file: string; kek: Kek } {
  const kek = generateKek();
  keks.push(kek);
  const file = join(dir, name);
  writeFileSync(file, kekKeyFileBytes(kek), { mode });
  chmodSync(file, mode);
  return { file, kek };
}

let current: { file: string; kek: Kek };
const tenant = randomUUID();

beforeAll(async () => {
  db = await createTestDatabase();
  pool = openPool({ connectionString: db.url, max: 4 });
  current = writeKey('current.key');
  const store = new KeyStore(pool, current.kek, { cache: false });
  for (const user of ['u1', 'u2', 'u3']) await store.dekFor({ tenantId: tenant, userId: user }, 1);
  await store.countOpen(tenant, userKid('u2'), 1);
  await store.countOpen(tenant, userKid('u2'), 1);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  for (const k of keks) destroyKek(k);
  rmSync(dir, { recursive: true, force: true });
});

type Run = { code: number | null; stdout: string; stderr: string };

function palisade(env: Record<string, string>, ...args: string[]): Promise<Run> {
  const base = { ...process.env };
  for (const name of ['PALISADE_MASTER_KEY', 'PALISADE_MASTER_KEY_FILE', 'DATABASE_URL', 'PALISADE_DATA_DIR']) delete base[name];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/palisade.js', 'vault', ...args], { cwd: ROOT, env: { ...base, DATABASE_URL: db.url, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const withKey = (file: string) => ({ PALISADE_MASTER_KEY_FILE: file });

function expectFailure(run: Run, code: string): void {
  expect(run.code, run.stdout).toBe(1);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toContain(`: ${code}: `);
}

describe('palisade vault intake-key', () => {
  it('prints the public key (base64url, unpadded) and its fingerprint; the same key every time', async () => {
    const first = await palisade(withKey(current.file), 'intake-key', '--json');
    expect(first.code, first.stderr).toBe(0);
    const key = JSON.parse(first.stdout) as { publicKey: string; fingerprint: string; kekId: string; created: boolean };
    expect(key.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key.fingerprint).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(key).toMatchObject({ kekId: current.kek.id, created: true });
    const text = await palisade(withKey(current.file), 'intake-key');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`  ${key.publicKey}\n`);
    expect(text.stdout).toContain(`fingerprint ${key.fingerprint};`);
    expect(text.stdout).not.toContain('created now');
    const stored = await new KeyStore(pool, current.kek).intakePublicKey();
    expect(stored.toString('base64url')).toBe(key.publicKey);
  });

  it('refuses to start without a master key, naming the variables (exit 1)', async () => {
    const empty = mkdtempSync(join(dir, 'data-'));
    const run = await palisade({ PALISADE_DATA_DIR: empty }, 'intake-key');
    expectFailure(run, 'MASTER_KEY_MISSING');
    expect(run.stderr).toContain('PALISADE_MASTER_KEY_FILE');
    expect(run.stderr).toContain('openssl rand -hex 32');
  });

  it('refuses a group-readable key file and a malformed key (exit 1)', async () => {
    const loose = writeKey('loose.key', 0o644);
    expectFailure(await palisade(withKey(loose.file), 'intake-key'), 'MASTER_KEY_PERMISSIONS');
    expectFailure(await palisade({ PALISADE_MASTER_KEY: 'abc' }, 'intake-key'), 'MASTER_KEY_MALFORMED');
  });

  it('says NOT_MIGRATED on a database without the vault schema', async () => {
    const bare = await createTestDatabase({ migrate: false });
    try {
      expectFailure(await palisade({ ...withKey(current.file), DATABASE_URL: bare.url }, 'intake-key'), 'NOT_MIGRATED');
    } finally {
      await bare.drop();
    }
  });
});

describe('palisade vault open-counts', () => {
  it('lists the tenant\'s data keys with their open counts', async () => {
    const json = await palisade({}, 'open-counts', '--tenant', tenant, '--json');
    expect(json.code, json.stderr).toBe(0);
    const counts = JSON.parse(json.stdout) as Array<{ kid: string; kv: number; opens: number }>;
    expect(counts.map((c) => [c.kid, c.kv, c.opens])).toEqual([['dek-u1', 1, 0], ['dek-u2', 1, 2], ['dek-u3', 1, 0]]);
    const text = await palisade({}, 'open-counts', '--tenant', tenant);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^dek-u2\s+1\s+2\s+\d{4}-/m);
    expect(text.stdout).toMatch(/^dek-u1\s+1\s+0\s+never$/m);
    expect((await palisade({}, 'open-counts', '--tenant', randomUUID())).stdout).toMatch(/^no data keys for tenant/);
  });

  it('refuses a malformed tenant id and a missing --tenant (exit 1)', async () => {
    expectFailure(await palisade({}, 'open-counts', '--tenant', 'acme'), 'INVALID_ARGUMENT');
    const missing = await palisade({}, 'open-counts');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--tenant <id>'");
  });
});

describe('palisade vault rotate-kek', () => {
  it('refuses bad input before touching anything (exit 1)', async () => {
    expectFailure(await palisade(withKey(current.file), 'rotate-kek', '--new-key-file', current.file), 'SAME_KEK');
    expectFailure(await palisade(withKey(current.file), 'rotate-kek', '--new-key-file', join(dir, 'absent.key')), 'MASTER_KEY_UNREADABLE');
    const loose = writeKey('loose-new.key', 0o640);
    const refused = await palisade(withKey(current.file), 'rotate-kek', '--new-key-file', loose.file);
    expectFailure(refused, 'MASTER_KEY_PERMISSIONS');
    expect(refused.stderr).toContain('--new-key-file');
    expectFailure(await palisade(withKey(current.file), 'rotate-kek', '--new-key-file', writeKey('n0.key').file, '--batch-size', '0'), 'INVALID_ARGUMENT');
    const noFile = await palisade(withKey(current.file), 'rotate-kek');
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain("required option '--new-key-file <path>'");
    const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from vault.deks where kek_id <> $1', [current.kek.id]);
    expect(rows[0]!.n).toBe(0);
  });

  it('rewraps every data key and the intake key, prints counts and what to switch; then verifies', async () => {
    const next = writeKey('next.key');
    const run = await palisade(withKey(current.file), 'rotate-kek', '--new-key-file', next.file, '--batch-size', '2');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`rewrapped 3 data key(s) and 1 intake key(s) under master key ${next.kek.id}`);
    expect(run.stdout).toContain(`set PALISADE_MASTER_KEY_FILE=${next.file}`);
    expect(run.stderr).toContain('rewrapping DEKs: 3/3');
    const { rows } = await pool.query<{ n: number }>(
      'select (select count(*) from vault.deks where kek_id <> $1) + (select count(*) from vault.intake_keys where kek_id <> $1) as n',
      [next.kek.id],
    );
    expect(Number(rows[0]!.n)).toBe(0);
    const fresh = new KeyStore(pool, readMasterKeyFile(next.file), { cache: false });
    const pair = await fresh.intakeKeyPair();
    pair.secretKey.fill(0);
    await expect(new KeyStore(pool, current.kek, { cache: false }).intakeKeyPair()).rejects.toSatisfy((e: unknown) => e instanceof KeyStoreError && e.code === 'KEK_MISMATCH');

    // Run again with the new key in place: nothing left; --json.
    const again = await palisade(withKey(next.file), 'rotate-kek', '--new-key-file', writeKey('third.key').file, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ rewrapped: 3, intakeKeys: 1, oldKekId: next.kek.id, verified: true });
  });
});
