// `palisade analysts grant|revoke|list`: per-tenant analyst logins for plain SQL on the read
// models (projections/tenancy/analysts.ts; docs/adr/0003-row-level-security.md).
import type { Command } from 'commander';
import { loadConfig } from '../deploy/config/config.ts';
import { oneLine } from '../deploy/errors.ts';
import { grantAnalyst, listAnalysts, revokeAnalyst } from '../projections/tenancy/analysts.ts';

async function run(name: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    process.stderr.write(`palisade analysts ${name}: ${typeof code === 'string' ? `${code}: ` : ''}${oneLine(error)}\n`);
    process.exitCode = 1;
  }
}

export function registerAnalystsCommands(program: Command): void {
  const analysts = program.command('analysts').description('per-tenant analyst logins that see only their tenant (Row-Level Security)');

  analysts
    .command('grant')
    .description('create a LOGIN role bound to one tenant and print its psql connection string (the password is shown once)')
    .requiredOption('--tenant <id>', 'tenant id (UUID)')
    .requiredOption('--name <name>', 'who the login is for, unique per tenant (lowercase letters, digits, . _ -)')
    .option('--audit', "also grant the tenant's audit views")
    .option('--json', 'print one JSON object')
    .action((opts: { tenant: string; name: string; audit?: boolean; json?: boolean }) =>
      run('grant', async () => {
        const granted = await grantAnalyst(loadConfig().databaseUrl, { tenantId: opts.tenant, name: opts.name, audit: opts.audit === true });
        if (opts.json === true) {
          process.stdout.write(`${JSON.stringify(granted)}\n`);
          return;
        }
        process.stdout.write(
          `analyst "${granted.name}" of tenant ${granted.tenantId}: role ${granted.role}${granted.audit ? ' (with audit views)' : ''}\n` +
            `connect with (the password is not stored and will not be shown again):\n  psql "${granted.connectionString}"\n`,
        );
      }),
    );

  analysts
    .command('revoke')
    .description("revoke an analyst: its binding ends at once, its sessions are terminated, its login dropped")
    .requiredOption('--tenant <id>', 'tenant id (UUID)')
    .requiredOption('--name <name>', 'the analyst name given to grant')
    .option('--json', 'print one JSON object')
    .action((opts: { tenant: string; name: string; json?: boolean }) =>
      run('revoke', async () => {
        const revoked = await revokeAnalyst(loadConfig().databaseUrl, { tenantId: opts.tenant, name: opts.name });
        process.stdout.write(
          opts.json === true
            ? `${JSON.stringify(revoked)}\n`
            : `revoked "${opts.name}" of tenant ${opts.tenant} (role ${revoked.role}; ${revoked.terminatedSessions} session(s) terminated)\n`,
        );
      }),
    );

  analysts
    .command('list')
    .description('list analyst logins')
    .option('--tenant <id>', 'only this tenant')
    .option('--all', 'include revoked ones')
    .option('--json', 'print a JSON array')
    .action((opts: { tenant?: string; all?: boolean; json?: boolean }) =>
      run('list', async () => {
        const records = await listAnalysts(loadConfig().databaseUrl, { ...(opts.tenant ? { tenantId: opts.tenant } : {}), includeRevoked: opts.all === true });
        if (opts.json === true) {
          process.stdout.write(`${JSON.stringify(records)}\n`);
          return;
        }
        if (records.length === 0) {
          process.stdout.write('no analysts\n');
          return;
        }
        process.stdout.write(`${'tenant'.padEnd(36)}  ${'name'.padEnd(20)}  ${'role'.padEnd(24)}  audit  sessions  created\n`);
        for (const r of records)
          process.stdout.write(
            `${r.tenantId}  ${r.name.padEnd(20)}  ${r.role.padEnd(24)}  ${(r.audit ? 'yes' : 'no').padEnd(5)}  ${String(r.sessions).padEnd(8)}  ${r.createdAt}` +
              `${r.revokedAt === null ? '' : `  revoked ${r.revokedAt}`}\n`,
          );
      }),
    );
}
