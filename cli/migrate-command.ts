// `palisade migrate`: create the database if missing and apply adapters/postgres/migrations.
import type { Command } from 'commander';
import { loadConfig } from '../deploy/config/config.ts';
import { oneLine } from '../deploy/errors.ts';
import { redactUrl } from '../adapters/postgres/database.ts';
import { ensureDatabase } from '../deploy/postgres/server.ts';
import { migrate } from '../adapters/postgres/migrate.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending SQL migrations (DATABASE_URL, else the local stack\'s database)')
    .option('--database-url <url>', 'database to migrate (default: DATABASE_URL or the local stack)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { databaseUrl?: string; json?: boolean }) => {
      try {
        const url = options.databaseUrl ?? loadConfig().databaseUrl;
        const database = await ensureDatabase(url);
        const result = await migrate(url);
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify({ database: redactUrl(url), createdDatabase: database.created, ...result }, null, 2)}\n`);
          return;
        }
        const applied = result.applied.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`);
        process.stdout.write(
          `${redactUrl(url)}${database.created ? ' (database created)' : ''}: ` +
            (applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`) +
            ` (${result.alreadyApplied} already applied)\n`,
        );
      } catch (error) {
        process.stderr.write(`palisade migrate: ${oneLine(error)}\n`);
        process.exitCode = 1;
      }
    });
}
