import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withClient } from '../../adapters/postgres/database.ts';
import { MIGRATIONS_DIR, migrate } from '../../adapters/postgres/migrate.ts';
import { MigrationError } from '../../adapters/postgres/errors.ts';
import { createTestDatabase } from '../support/stack.ts';
import type { TestDatabase } from '../support/stack.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freshDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate: false });
  cleanups.push(() => db.drop());
  return db;
}

/** A copy of the real migrations that a test may change. */
function migrationsCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-migrations-'));
  for (const file of readdirSync(MIGRATIONS_DIR)) copyFileSync(join(MIGRATIONS_DIR, file), join(dir, file));
  cleanups.push(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

async function appliedVersions(url: string): Promise<number[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ version: number }>('select version from palisade_meta.schema_migrations order by version');
    return rows.map((row) => row.version);
  });
}

describe('migrate', () => {
  it('applies every migration once; a second run is a no-op', async () => {
    const db = await freshDatabase();
    const first = await migrate(db.url);
    expect(first.applied.map((m) => m.version)).toContain(1);
    expect(first.alreadyApplied).toBe(0);
    const second = await migrate(db.url);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(first.applied.length);
    expect(await appliedVersions(db.url)).toEqual(first.applied.map((m) => m.version));
  });

  it('serialises concurrent runs with the advisory lock', async () => {
    const db = await freshDatabase();
    const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
    const total = results.reduce((sum, r) => sum + r.applied.length, 0);
    expect(total).toBe((await appliedVersions(db.url)).length);
  });

  it('refuses an applied migration whose file changed', async () => {
    const db = await freshDatabase();
    const dir = migrationsCopy();
    await migrate(db.url, { migrationsDir: dir });
    appendFileSync(join(dir, '0001_producer_keys.sql'), '\n-- edited after release\n');
    const error = await migrate(db.url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('CHECKSUM_MISMATCH');
  });

  it('refuses a database with a migration this code does not have', async () => {
    const db = await freshDatabase();
    const dir = migrationsCopy();
    writeFileSync(join(dir, '9999_from_the_future.sql'), 'select 1;\n');
    await migrate(db.url, { migrationsDir: dir });
    const error = await migrate(db.url).catch((e: unknown) => e);
    expect((error as MigrationError).code).toBe('UNKNOWN_APPLIED');
  });

  it('applies nothing when one pending migration fails, and names the file and line', async () => {
    const db = await freshDatabase();
    const dir = migrationsCopy();
    writeFileSync(join(dir, '9998_broken.sql'), 'create table ok_table (id int);\n\nselect * from no_such_table;\n');
    const error = await migrate(db.url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect((error as MigrationError).code).toBe('FAILED');
    expect((error as Error).message).toMatch(/9998_broken\.sql failed at line 3/);
    const exists = await withClient(db.url, (c) => c.query("select to_regclass('palisade_meta.schema_migrations') as t"));
    expect(exists.rows[0]).toEqual({ t: null });
  });
});

describe('0001 registry.producer_keys', () => {
  async function insert(url: string, keyId: string, publicKey: Buffer, tenants: string[] | null = null): Promise<unknown> {
    return withClient(url, (c) =>
      c.query('insert into registry.producer_keys (key_id, public_key, tenants) values ($1, $2, $3)', [keyId, publicKey, tenants]),
    ).catch((e: unknown) => e);
  }

  it('accepts a 32-byte key with defaults and rejects bad ids and key lengths', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    expect(await insert(db.url, 'gateway-1', Buffer.alloc(32, 1))).not.toBeInstanceOf(Error);
    expect(await insert(db.url, 'svc.billing_2', Buffer.alloc(32, 2), ['t1'])).not.toBeInstanceOf(Error);
    const row = await withClient(db.url, (c) => c.query("select * from registry.producer_keys where key_id = 'gateway-1'"));
    expect(row.rows[0]).toMatchObject({ tenants: null, can_create_tenants: false, revoked_at: null });
    for (const badId of ['Gateway', '-x', '', 'a'.repeat(65), 'a b']) {
      expect(await insert(db.url, badId, Buffer.alloc(32)), badId).toMatchObject({ code: '23514' });
    }
    expect(await insert(db.url, 'short', Buffer.alloc(31))).toMatchObject({ code: '23514' });
    expect(await insert(db.url, 'gateway-1', Buffer.alloc(32))).toMatchObject({ code: '23505' });
  });
});
