// `palisade analysts grant|list|revoke` and `palisade projections status|rebuild`, run as a
// process with the environment an operator has (DATABASE_URL, KAFKA_BROKERS, topic prefix).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { produceEvents, syntheticEvents } from '../bench/_synthetic-events.ts';
import { ReadModelSpine } from './support/read-models.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let rm: ReadModelSpine;
let tenant: string;
let other: string;

beforeAll(async () => {
  rm = await ReadModelSpine.create({ partitions: 3 });
  const events = [...syntheticEvents({ tenants: 2, events: 300, seed: 'cli' })];
  await produceEvents(rm.spine.kafka, rm.topic, 3, events);
  [tenant, other] = [events[0]!.event.tenantId, events[1]!.event.tenantId];
  await rm.startProjector();
  await rm.waitForProjection();
});
afterAll(async () => rm?.close());

function palisade(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['test/projections/support/cli-child.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: rm.url, KAFKA_BROKERS: rm.spine.brokers.join(','), PALISADE_TOPIC_PREFIX: rm.spine.prefix, PALISADE_PARTITIONS: '3' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('palisade analysts', () => {
  it('grant prints a connection string that logs in as the tenant, and only it', async () => {
    const run = await palisade('analysts', 'grant', '--tenant', tenant, '--name', 'dana', '--audit', '--json');
    expect(run.code, run.stderr).toBe(0);
    const granted = JSON.parse(run.stdout) as { role: string; connectionString: string; audit: boolean };
    expect(granted).toMatchObject({ tenantId: tenant, name: 'dana', audit: true });
    const client = new pg.Client({ connectionString: granted.connectionString });
    await client.connect();
    const { rows } = await client.query('select distinct tenant_id from analytics.audit_log union select distinct tenant_id from analytics.members');
    await client.end();
    expect(rows).toEqual([{ tenant_id: tenant }]);

    const text = await palisade('analysts', 'grant', '--tenant', tenant, '--name', 'eli');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/psql "postgresql:\/\/[a-z0-9]+_a_[0-9a-f]{12}:[A-Za-z0-9_-]+@/);
  });

  it('list shows the grants; revoke removes one', async () => {
    const listed = JSON.parse((await palisade('analysts', 'list', '--tenant', tenant, '--json')).stdout) as { name: string; audit: boolean }[];
    expect(listed.map((r) => [r.name, r.audit])).toEqual([['dana', true], ['eli', false]]);
    const revoked = await palisade('analysts', 'revoke', '--tenant', tenant, '--name', 'eli', '--json');
    expect(revoked.code, revoked.stderr).toBe(0);
    const after = JSON.parse((await palisade('analysts', 'list', '--json')).stdout) as { name: string }[];
    expect(after.map((r) => r.name)).toEqual(['dana']);
  });

  it('fails with a stable code and exit status 1', async () => {
    const unknown = await palisade('analysts', 'grant', '--tenant', '00000000-0000-4000-8000-000000000000', '--name', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('ANALYST_TENANT_NOT_FOUND');
    const twice = await palisade('analysts', 'grant', '--tenant', tenant, '--name', 'dana');
    expect(twice.stderr).toContain('ANALYST_EXISTS');
    const missing = await palisade('analysts', 'revoke', '--tenant', other, '--name', 'dana');
    expect(missing.stderr).toContain('ANALYST_NOT_FOUND');
  });
});

describe('palisade projections', () => {
  it('status reports stored offset, end offset and lag per model and partition', async () => {
    const run = await palisade('projections', 'status', '--json');
    expect(run.code, run.stderr).toBe(0);
    const status = JSON.parse(run.stdout) as { topic: string; projectorRunning: boolean; generations: { model: string; state: string; lag: string; partitions: unknown[] }[] };
    expect(status.topic).toBe(rm.topic);
    expect(status.projectorRunning).toBe(true);
    expect(status.generations.map((g) => [g.model, g.state, g.lag, g.partitions.length])).toEqual([
      ['audit', 'active', '0', 3], ['chat_content', 'active', '0', 3], ['conversations', 'active', '0', 3], ['members', 'active', '0', 3],
      ['memories', 'active', '0', 3], ['provider_keys', 'active', '0', 3], ['secrets', 'active', '0', 3],
      ['source_queries', 'active', '0', 3], ['sources', 'active', '0', 3], ['tenants', 'active', '0', 3],
    ]);
    const table = await palisade('projections', 'status');
    expect(table.stdout).toMatch(/members\s+1 active\s+\d\s+\d+\s+\d+\s+0/);
  });

  it('rebuild --name members --json swaps in a new generation', async () => {
    const run = await palisade('projections', 'rebuild', '--name', 'members', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ models: [{ name: 'members', generation: 2, schema: 'rm_members_g2', resumed: false }], events: 300, swapAttempts: 1, retiredGenerationsDropped: 1 });
    const bad = await palisade('projections', 'rebuild', '--name', 'no_such_model');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('UNKNOWN_MODEL');
  });
});
