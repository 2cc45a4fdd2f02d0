// Rebuilding a partition from the log reads every stored event through the one tenant-event
// decoder (domain/tenant/decode-event.ts): what it cannot read as its type is corruption, and
// the tenant fails closed, as for a break in the chain.
import { describe, expect, it } from 'vitest';
import { PartitionState } from '../../consumers/command-processor/partition-state.ts';
import { applyStoredEvent } from '../../consumers/command-processor/rebuild.ts';
import { eventHash } from '../../domain/chain/event-hash.ts';
import type { JsonObject, LogicalEvent } from '../../domain/logical.ts';
import { addMember, commandRecord, create, runBatch, tenantOnPartition } from './fixtures.ts';

/** A tenant with its owner alice and member bob, as stored. */
async function storedTenant(): Promise<{ tenant: string; events: (LogicalEvent & { hash: string })[] }> {
  const tenant = tenantOnPartition(0);
  const out = await runBatch(new PartitionState(), [commandRecord(create(tenant)).record, commandRecord(addMember(tenant, 'alice', 'bob')).record]);
  return { tenant, events: out.events };
}

/** `event` with another type and payload, hashed again: the chain holds, only the content is wrong. */
function rewritten(event: LogicalEvent, type: string, payload: JsonObject): { event: LogicalEvent; hash: string } {
  const changed = { ...event, type, payload };
  return { event: changed, hash: eventHash(changed) };
}

describe('when a stored payload does not decode as its event type', () => {
  it('marks the tenant corrupt, naming the seq, the type and the field, and refuses its commands', async () => {
    const { tenant, events } = await storedTenant();
    const rebuilt = new PartitionState();
    applyStoredEvent(rebuilt, events[0]!, events[0]!.hash);
    const bad = rewritten(events[1]!, 'MemberAdded', { ...events[1]!.payload, role: 'root' });
    applyStoredEvent(rebuilt, bad.event, bad.hash);
    expect(rebuilt.head(tenant)).toMatchObject({
      seq: 1,
      corrupt: 'payload of seq 2 is malformed: MemberAdded: "role" is not one of owner|admin|member|viewer',
    });
    expect((await runBatch(rebuilt, [commandRecord(addMember(tenant, 'alice', 'carol')).record])).results[0]).toMatchObject({ code: 'CHAIN_CORRUPT' });
  });
});

describe('when a stored event is of a type that is no tenant event', () => {
  it('extends the chain and leaves the tenant state as it was', async () => {
    const { tenant, events } = await storedTenant();
    const rebuilt = new PartitionState();
    applyStoredEvent(rebuilt, events[0]!, events[0]!.hash);
    const before = rebuilt.head(tenant).state;
    const other = rewritten(events[1]!, 'SomethingElseHappened', { anything: 1 });
    applyStoredEvent(rebuilt, other.event, other.hash);
    expect(rebuilt.head(tenant)).toStrictEqual({ state: before, seq: 2, hash: other.hash });
    const next = await runBatch(rebuilt, [commandRecord(addMember(tenant, 'alice', 'bob')).record]);
    expect(next.results[0]).toMatchObject({ outcome: 'accepted', firstSeq: 3 });
  });
});

describe('when a stored CommandRejected is replayed', () => {
  it('remembers the refusal with the code it records', async () => {
    const tenant = tenantOnPartition(0);
    const refused = commandRecord(addMember(tenant, 'bob', 'eve'));
    const out = await runBatch(new PartitionState(), [commandRecord(create(tenant)).record, refused.record]);
    expect(out.events.map((e) => e.type)).toStrictEqual(['TenantCreated', 'CommandRejected']);
    const rebuilt = new PartitionState();
    for (const e of out.events) applyStoredEvent(rebuilt, e, e.hash);
    expect(rebuilt.outcomes.get(`${tenant}/${refused.commandId}`)).toMatchObject({ outcome: 'rejected', code: 'NOT_A_MEMBER' });
  });
});
