// The processor remembers command outcomes for the idempotency window only
// (partition-state.ts outcomeHorizonMs): inside it a replay gets its original result; past it the
// outcome is forgotten, live (a budgeted sweep) and at rebuild, and a replay is refused as
// expired, never decided a second time. Memory follows the window, not every commandId ever.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../consumers/command-processor/handle-command.ts';
import { PartitionState, outcomeHorizonMs } from '../../consumers/command-processor/partition-state.ts';
import { applyStoredEvent, applyStoredResult } from '../../consumers/command-processor/rebuild.ts';
import { addMember, commandRecord, context, create, NOW, record, runBatch, tenantOnPartition } from './fixtures.ts';

const base = context();
const HORIZON = outcomeHorizonMs(base.maxCommandAgeMs, base.maxClockSkewMs);
const at = (ms: number): CommandContext => ({ ...context(), now: () => new Date(NOW.getTime() + ms) });


describe('the idempotency window', () => {
  it('is the command age limit plus twice the clock skew', () => {
    expect(HORIZON).toBe(6 * 24 * 3600_000 + 2 * 300_000);
  });

  it('a replay inside it gets the original result; once forgotten past it, the replay is refused COMMAND_EXPIRED and nothing is appended', async () => {
    const tenant = tenantOnPartition(0);
    const state = new PartitionState();
    const created = commandRecord(create(tenant));
    const added = commandRecord(addMember(tenant, 'alice', 'bob'));
    await runBatch(state, [created.record, added.record], at(0));
    expect(state.outcomes.size).toBe(2);

    const inside = await runBatch(state, [record(added.record.value, tenant)], at(base.maxCommandAgeMs - 1));
    expect(inside.results[0]).toMatchObject({ outcome: 'accepted', firstSeq: 2, replayed: true });

    expect(state.forgetOutcomesBefore(NOW.getTime(), NOW.getTime())).toBe(0); // cutoff at decision time: kept
    expect(state.forgetOutcomesBefore(NOW.getTime() + 1, NOW.getTime() + HORIZON + 1)).toBe(2);
    expect(state.outcomes.size).toBe(0);

    const late = await runBatch(state, [record(added.record.value, tenant), record(created.record.value, tenant)], at(HORIZON + 1));
    expect(late.results.map((r) => [r.outcome, r.code, r.replayed])).toEqual([['rejected', 'COMMAND_EXPIRED', false], ['rejected', 'COMMAND_EXPIRED', false]]);
    expect(late.events).toEqual([]);
    expect(state.head(tenant).seq).toBe(2);
  });

  it('the sweep visits at most its budget per call, resumes where it stopped, and starts a new pass only after the interval', () => {
    const state = new PartitionState();
    for (let i = 0; i < 10; i++) state.outcomes.set(`t/old-${i}`, { outcome: 'rejected', code: 'X', message: '', decidedAt: 1_000 });
    for (let i = 0; i < 5; i++) state.outcomes.set(`t/new-${i}`, { outcome: 'rejected', code: 'X', message: '', decidedAt: 9_000 });
    expect(state.forgetOutcomesBefore(5_000, 100_000, 4, 60_000)).toBe(4);
    expect(state.forgetOutcomesBefore(5_000, 100_001, 4, 60_000)).toBe(4);
    state.outcomes.set('t/added-during-pass', { outcome: 'rejected', code: 'X', message: '', decidedAt: 2_000 });
    expect(state.forgetOutcomesBefore(5_000, 100_002, 100, 60_000)).toBe(3); // 2 old, then the one added mid-pass
    expect([...state.outcomes.keys()].sort()).toEqual(['t/new-0', 't/new-1', 't/new-2', 't/new-3', 't/new-4']);
    state.outcomes.set('t/old-again', { outcome: 'rejected', code: 'X', message: '', decidedAt: 1_000 });
    expect(state.forgetOutcomesBefore(5_000, 100_003, 100, 60_000)).toBe(0); // the pass ended; the next starts after the interval
    expect(state.forgetOutcomesBefore(5_000, 160_000, 100, 60_000)).toBe(1);
  });

  it('a rebuild remembers only the outcomes inside the window, and still rebuilds every chain head', async () => {
    const tenant = tenantOnPartition(0);
    const live = new PartitionState();
    const old = await runBatch(live, [commandRecord(create(tenant)).record, commandRecord(addMember(tenant, 'bob', 'eve')).record], at(0));
    const recent = await runBatch(live, [commandRecord(addMember(tenant, 'alice', 'carol')).record, commandRecord(addMember(tenant, 'bob', 'dan')).record], at(3 * 24 * 3600_000));
    const rebuilt = new PartitionState();
    const since = NOW.getTime() + 24 * 3600_000;
    for (const e of [...old.events, ...recent.events]) applyStoredEvent(rebuilt, e, e.hash, since);
    for (const r of [...old.results, ...recent.results]) applyStoredResult(rebuilt, r, since);
    expect(rebuilt.head(tenant)).toEqual(live.head(tenant));
    const remembered = [...rebuilt.outcomes.keys()].map((k) => k.split('/')[1]);
    expect(remembered.sort()).toEqual(recent.results.map((r) => r.commandId).sort());
    expect(rebuilt.outcomes.get(`${tenant}/${recent.results[1]!.commandId}`)).toMatchObject({ outcome: 'rejected', code: 'NOT_A_MEMBER' });
  });
});
