// Exactly once into PostgreSQL: the projector is SIGKILLed twice inside a batch transaction
// (rows written, COMMIT not reached) while 20,000 events of 40 tenants are projected, then runs
// to the end. Every read model must equal what a single pass over all events gives: no event
// lost, none applied twice (the audit log's (tenant, seq) key would also refuse a duplicate).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { produceEvents, syntheticEvents, type GeneratedEvent } from '../bench/_synthetic-events.ts';
import { actualContents, expectedContents } from './support/expected.ts';
import { ReadModelSpine } from './support/read-models.ts';
import { Child } from './support/spawn.ts';

let rm: ReadModelSpine;
let events: GeneratedEvent[];
beforeAll(async () => {
  rm = await ReadModelSpine.create({ partitions: 3 });
  events = [...syntheticEvents({ tenants: 40, events: 20_000, seed: 'exactly-once', deleteTenants: 2 })];
  await produceEvents(rm.spine.kafka, rm.topic, 3, events);
});
afterAll(async () => rm?.close());

const auditRows = async () => Number((await rm.admin.query('select count(*) as n from analytics.audit_log')).rows[0].n);

it('a projector killed mid-batch twice applies every event exactly once', async () => {
  const expected = expectedContents(events);
  for (const killAfter of ['4', '3']) {
    const child = new Child('projector', rm, { KILL_AFTER_BATCHES: killAfter });
    const exit = await child.exited;
    expect(exit.signal, JSON.stringify(child.lines.slice(-5))).toBe('SIGKILL');
    expect(child.lines.some((l) => l['killing'] === true)).toBe(true);
  }
  const partial = await auditRows();
  expect(partial).toBeGreaterThan(0);
  expect(partial).toBeLessThan(expected.audit.length);

  const survivor = new Child('projector', rm);
  await survivor.waitFor((l) => l['started'] === true);
  await rm.waitForProjection(120_000);
  await survivor.kill('SIGTERM');

  const actual = await actualContents(rm.admin);
  expect(actual.audit.length).toBe(expected.audit.length);
  expect(actual).toEqual(expected);
  const gaps = await rm.admin.query(`select tenant_id from analytics.audit_log group by tenant_id having max(seq) <> count(*) or min(seq) <> 1`);
  expect(gaps.rows).toEqual([]);
});
