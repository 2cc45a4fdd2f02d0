// Migrations: a database migrated one version at a time, with data written between versions,
// equals a fresh install of all of them at once (pg-boss style: compare the catalogs), and the
// per-database roles behave: a recreated database reuses its own roles, never another's.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withClient } from '../../adapters/postgres/database.ts';
import { MIGRATIONS_DIR, migrate } from '../../adapters/postgres/migrate.ts';
import { MigrationError } from '../../adapters/postgres/errors.ts';
import { dropDatabaseRoles, loadRolesFrom, quoteIdent, rolePrefixFor, roleMarker } from '../../adapters/postgres/roles.ts';
import { createTestDatabase, testConfig, type TestDatabase } from '../support/stack.ts';
import { catalogSnapshot } from './support/catalog.ts';

const SOURCE = MIGRATIONS_DIR;
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate: false });
  cleanups.push(async () => {
    await db.drop();
    await dropDatabaseRoles(testConfig().databaseUrl, db.name);
  });
  return db;
}

/** A directory with the first `count` migrations of SOURCE. */
function firstMigrations(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-migrations-'));
  for (const file of readdirSync(SOURCE).filter((f) => f.endsWith('.sql')).sort().slice(0, count)) copyFileSync(join(SOURCE, file), join(dir, file));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('migrations', () => {
  it('migrated one version at a time, with data in between, equals a fresh install', async () => {
    const files = readdirSync(SOURCE).filter((f) => f.endsWith('.sql')).sort();
    const fresh = await database();
    await migrate(fresh.url, { migrationsDir: SOURCE });

    const stepwise = await database();
    for (let count = 1; count <= files.length; count++) {
      const result = await migrate(stepwise.url, { migrationsDir: firstMigrations(count) });
      expect(result.applied).toHaveLength(1);
      const applied = files[count - 1]!;
      await withClient(stepwise.url, async (client) => {
        if (applied.startsWith('0001_'))
          await client.query("insert into registry.producer_keys (key_id, public_key, can_create_tenants) values ('gw-old', decode(repeat('ab', 32), 'hex'), true)");
        if (applied.startsWith('0003_'))
          await client.query("insert into tenancy_private.analysts (role_name, tenant_id, name, audit) values ('nobody', gen_random_uuid(), 'old', false)");
        if (applied.startsWith('0006_')) {
          const { rows } = await client.query("select schema_name from projection_meta.generations where model = 'members' and state = 'active'");
          await client.query(`insert into ${quoteIdent(rows[0].schema_name)}.members values (gen_random_uuid(), 'u', 'u@x', 'owner', 'active', now(), 1)`);
        }
      });
    }
    const expected = await catalogSnapshot(fresh.url);
    // Not two empty pictures: the read models, their policies and roles are all in it.
    expect(expected['policies']!.length).toBeGreaterThanOrEqual(14);
    expect(expected['roles']!.length).toBe(8);
    expect(expected['functions']!.length).toBeGreaterThanOrEqual(20);
    expect(expected['catalogFunctionGrants']!.length).toBeGreaterThan(50);
    expect(await catalogSnapshot(stepwise.url)).toEqual(expected);
    // And it does see a difference: one more grant is enough.
    await withClient(stepwise.url, (client) => client.query('grant select on tenancy.installation to public'));
    expect(await catalogSnapshot(stepwise.url)).not.toEqual(expected);
  });

  it('derives the same role prefix in TypeScript as in SQL', async () => {
    const db = await database();
    await migrate(db.url, { migrationsDir: SOURCE });
    expect((await loadRolesFrom(db.url)).prefix).toBe(rolePrefixFor(db.name));
    expect(rolePrefixFor('palisade')).toBe('palisade');
  });

  it('a database recreated under the same name reuses its own roles', async () => {
    const db = await database();
    await migrate(db.url, { migrationsDir: SOURCE });
    await db.drop();
    await withClient(testConfig().databaseUrl, (client) => client.query(`create database ${quoteIdent(db.name)}`));
    await expect(migrate(db.url, { migrationsDir: SOURCE })).resolves.toMatchObject({ alreadyApplied: 0 });
  });

  it('refuses to take over a role of another database (PA001)', async () => {
    const db = await database();
    const squatter = `${rolePrefixFor(db.name)}_owner`;
    await withClient(testConfig().databaseUrl, async (client) => {
      await client.query(`create role ${quoteIdent(squatter)} nologin`);
      await client.query(`comment on role ${quoteIdent(squatter)} is '${roleMarker('someone_else')}'`);
    });
    cleanups.push(() => withClient(testConfig().databaseUrl, (client) => client.query(`drop role if exists ${quoteIdent(squatter)}`)));
    const error = await migrate(db.url, { migrationsDir: SOURCE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('FAILED');
    expect(((error as MigrationError).cause as { code?: string }).code).toBe('PA001');
  });
});
