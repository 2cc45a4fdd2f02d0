// `palisade quarantine list|release`, `palisade tenants list`, `palisade members list` (issue 12):
// what an operator sees and does without reading Kafka. Quarantines are raised by the consumers
// of the events topic (docs/spec.md "Quarantine"); releasing one is an explicit operator action
// after which that consumer re-checks the tenant from its last good event.
import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { loadConfig } from '../deploy/config/config.ts';
import { oneLine } from '../deploy/errors.ts';
import { listQuarantines, releaseQuarantine, type QuarantineRow } from '../adapters/postgres/quarantine.ts';
import { isCanonicalUuid } from '../domain/validation.ts';
import { UNATTRIBUTED_TENANT } from '../domain/tenant/run-guard.ts';
import { listMembers, listTenants } from '../projections/operator-reads.ts';
import { withOperatorDatabase } from './operator-db.ts';

async function run(name: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    process.stderr.write(`palisade ${name}: ${typeof code === 'string' ? `${code}: ` : ''}${oneLine(error)}\n`);
    process.exitCode = 1;
  }
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function printQuarantines(rows: readonly QuarantineRow[]): void {
  if (rows.length === 0) {
    process.stdout.write('no tenant is quarantined\n');
    return;
  }
  process.stdout.write(table(
    ['tenant', 'consumer', 'code', 'at', 'last good seq', 'since', 'released', 'detail'],
    rows.map((q) => [q.tenantId, q.consumer, q.code, `${q.partition}@${q.offset}`, q.headSeq === null ? '-' : String(q.headSeq), q.quarantinedAt, q.releasedAt ?? '-', q.detail]),
  ));
}

/** The tenant id, or undefined (said on stderr, exit code 2) when it is not one. */
function tenantOption(command: string, tenant: string): string | undefined {
  if (isCanonicalUuid(tenant) || tenant === UNATTRIBUTED_TENANT) return tenant;
  process.stderr.write(`palisade ${command}: INVALID_TENANT_ID: --tenant "${tenant}" is not a lowercase canonical UUID\n`);
  process.exitCode = 2;
  return undefined;
}

export function registerOperatorCommands(program: Command): void {
  const quarantine = program.command('quarantine').description('tenants a consumer stopped because their chain did not verify');
  quarantine
    .command('list')
    .description('active quarantines: tenant, consumer, anomaly code, the record it was raised on, the last good seq')
    .option('--all', 'released ones too')
    .option('--json', 'print one JSON array')
    .action((opts: { all?: boolean; json?: boolean }) =>
      run('quarantine list', async () => {
        const rows = await withOperatorDatabase(loadConfig(), (q) => listQuarantines(q, { all: opts.all === true }));
        if (opts.json === true) process.stdout.write(`${JSON.stringify(rows)}\n`);
        else printQuarantines(rows);
      }),
    );
  quarantine
    .command('release')
    .description('release a tenant in one consumer: the record it was raised on is dismissed and the consumer re-checks the tenant from its last good event')
    .requiredOption('--tenant <id>', 'the tenant')
    .requiredOption('--consumer <name>', 'the consumer (projector, anchorer, chat-worker, …: see `quarantine list`)')
    .option('--json', 'print one JSON object')
    .action((opts: { tenant: string; consumer: string; json?: boolean }) =>
      run('quarantine release', async () => {
        const tenant = tenantOption('quarantine release', opts.tenant);
        if (tenant === undefined) return;
        const released = await withOperatorDatabase(loadConfig(), (q) => releaseQuarantine(q, tenant, opts.consumer, `operator ${userInfo().username}`));
        if (opts.json === true) process.stdout.write(`${JSON.stringify({ tenantId: tenant, consumer: opts.consumer, released })}\n`);
        else process.stdout.write(released ? `released ${tenant} in ${opts.consumer}: it re-checks the tenant from its last good event\n` : `${tenant} is not quarantined in ${opts.consumer}\n`);
        if (!released) process.exitCode = 1;
      }),
    );

  program
    .command('tenants')
    .description('tenants as the read models see them')
    .command('list')
    .description('every tenant: id, name, status, events, the consumers holding it in quarantine')
    .option('--json', 'print one JSON array')
    .action((opts: { json?: boolean }) =>
      run('tenants list', async () => {
        const rows = await withOperatorDatabase(loadConfig(), listTenants);
        if (opts.json === true) process.stdout.write(`${JSON.stringify(rows)}\n`);
        else process.stdout.write(table(['id', 'name', 'status', 'events', 'quarantined in'], rows.map((t) => [t.id, t.name ?? '-', t.status, String(t.events), t.quarantined.join(',') || '-'])));
      }),
    );

  program
    .command('members')
    .description('members of a tenant as the read models see them')
    .command('list')
    .description("a tenant's members: user id, email, role, status, since")
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--json', 'print one JSON array')
    .action((opts: { tenant: string; json?: boolean }) =>
      run('members list', async () => {
        const tenant = tenantOption('members list', opts.tenant);
        if (tenant === undefined) return;
        const rows = await withOperatorDatabase(loadConfig(), (q) => listMembers(q, tenant));
        if (opts.json === true) process.stdout.write(`${JSON.stringify(rows)}\n`);
        else process.stdout.write(table(['user', 'email', 'role', 'status', 'since'], rows.map((m) => [m.userId, m.email, m.role, m.status, m.since])));
      }),
    );
}
