// SQL migrations: adapters/postgres/migrations/NNNN_name.sql, applied in version order, all pending ones
// in ONE transaction under an advisory lock (concurrent runners wait; a failure applies nothing),
// recorded in palisade_meta.schema_migrations. Applied files are immutable: a changed checksum
// or an applied version missing from the code is refused.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withClient } from './database.ts';
import { MigrationError } from './errors.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

/** Key of pg_advisory_xact_lock serialising migration runs ('pali' 'migr' as two int4). */
const LOCK_KEY = [0x70616c69, 0x6d696772] as const;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  readonly sql: string;
  /** Lowercase hex SHA-256 of the file's bytes. */
  readonly checksum: string;
}

export interface MigrateOptions {
  /** Where the .sql files are; adapters/postgres/migrations by default (tests pass their own). */
  readonly migrationsDir?: string;
}

export interface MigrateResult {
  readonly applied: ReadonlyArray<{ readonly version: number; readonly name: string }>;
  /** How many migrations were already applied before this run. */
  readonly alreadyApplied: number;
}

/** Read and validate the migration files of `dir`, in version order. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).filter((entry) => entry.endsWith('.sql')).sort()) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (match?.[1] === undefined || match[2] === undefined)
      throw new MigrationError('INVALID_FILE', `migration file ${file} in ${dir} is not named NNNN_lower_snake_name.sql`);
    const bytes = readFileSync(join(dir, file));
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version))
      throw new MigrationError('INVALID_FILE', `two migration files in ${dir} have version ${match[1]}`);
    migrations.push({
      version,
      name: match[2],
      file,
      sql: bytes.toString('utf8'),
      checksum: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return migrations;
}

/** Line number of a character position (1-based) in `text`, for error messages. */
function lineAt(text: string, position: number | undefined): string {
  if (position === undefined || !Number.isFinite(position)) return '';
  return ` at line ${text.slice(0, position - 1).split('\n').length}`;
}

/** Apply the pending migrations to `databaseUrl` (the database must exist). */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = loadMigrations(options.migrationsDir);
  return withClient(databaseUrl, async (client) => {
    await client.query('begin');
    try {
      await client.query("set local lock_timeout = '120s'");
      await client.query('select pg_advisory_xact_lock($1, $2)', [...LOCK_KEY]);
      await client.query('create schema if not exists palisade_meta');
      await client.query(`create table if not exists palisade_meta.schema_migrations (
        version integer primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now())`);
      const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
        'select version, name, checksum from palisade_meta.schema_migrations order by version',
      );
      for (const row of rows) {
        const known = migrations.find((m) => m.version === row.version);
        const label = `${String(row.version).padStart(4, '0')}_${row.name}.sql`;
        if (known === undefined)
          throw new MigrationError(
            'UNKNOWN_APPLIED',
            `the database has migration ${label} applied, which this code does not have; run a newer Palisade against it`,
          );
        if (known.checksum !== row.checksum)
          throw new MigrationError(
            'CHECKSUM_MISMATCH',
            `migration ${label} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ` +
              `${known.checksum.slice(0, 12)}… on disk); restore the file and add the change as a new migration`,
          );
      }
      const done = new Set(rows.map((row) => row.version));
      const pending = migrations.filter((m) => !done.has(m.version));
      for (const migration of pending) {
        try {
          await client.query(migration.sql);
        } catch (error) {
          const pgError = error as { message?: string; position?: string };
          throw new MigrationError(
            'FAILED',
            `migration ${migration.file} failed${lineAt(migration.sql, Number(pgError.position))}: ${pgError.message ?? String(error)}; nothing was applied`,
            { cause: error },
          );
        }
        await client.query('insert into palisade_meta.schema_migrations (version, name, checksum) values ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
      }
      await client.query('commit');
      return { applied: pending.map(({ version, name }) => ({ version, name })), alreadyApplied: rows.length };
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  });
}
