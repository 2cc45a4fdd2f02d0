import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../adapters/postgres/migrate.ts';
import { MigrationError } from '../../adapters/postgres/errors.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-mig-unit-'));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe('loadMigrations', () => {
  it('reads the shipped migrations in order, starting with 0001_producer_keys', () => {
    const migrations = loadMigrations();
    expect(migrations[0]).toMatchObject({ version: 1, name: 'producer_keys', file: '0001_producer_keys.sql' });
    expect(migrations[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    const versions = migrations.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it('orders by version and ignores non-sql files', () => {
    const dir = dirWith({ '0002_b.sql': 'select 2;', '0001_a.sql': 'select 1;', 'README.md': '#' });
    expect(loadMigrations(dir).map((m) => m.file)).toEqual(['0001_a.sql', '0002_b.sql']);
  });

  it.each([['1_short.sql'], ['0001-dash.sql'], ['0001_Upper.sql']])('rejects the badly named %s', (file) => {
    const dir = dirWith({ [file]: 'select 1;' });
    expect(() => loadMigrations(dir)).toThrow(MigrationError);
  });

  it('rejects two files with the same version', () => {
    const dir = dirWith({ '0001_a.sql': 'select 1;', '0001_b.sql': 'select 1;' });
    expect(() => loadMigrations(dir)).toThrow(/version 0001/);
  });
});
