// domain/tenant/run-check.ts and run-guard.ts (issue 12, "Quarantine, not crash"): the one chain
// check every consumer runs, and the per-tenant state a consumer keeps over it.
import { describe, expect, it } from 'vitest';
import { syntheticEvents, type GeneratedEvent } from '../bench/_synthetic-events.ts';
import { checkNextEvent } from '../../domain/tenant/run-check.ts';
import { RunGuard, type GuardRecord } from '../../domain/tenant/run-guard.ts';
import { eventHash } from '../../domain/chain/event-hash.ts';

const chain: GeneratedEvent[] = [...syntheticEvents({ tenants: 1, events: 6, seed: 'run-guard' })];
const other: GeneratedEvent[] = [...syntheticEvents({ tenants: 1, events: 3, seed: 'run-guard-other' })];
const tenant = chain[0]!.event.tenantId;
const head = (i: number) => ({ seq: chain[i]!.event.seq, hash: chain[i]!.hash });
const record = (e: GeneratedEvent, offset: number, partition = 0): GuardRecord =>
  ({ tenantId: e.event.tenantId, partition, offset: BigInt(offset), decoded: { event: e.event, hash: e.hash } });

describe('checkNextEvent', () => {
  it('accepts the next link, from the genesis and from a head', () => {
    expect(checkNextEvent({ tenantId: tenant, last: undefined, event: chain[0]!.event, hash: chain[0]!.hash })).toStrictEqual({ kind: 'ok', head: head(0) });
    expect(checkNextEvent({ tenantId: tenant, last: head(2), event: chain[3]!.event, hash: chain[3]!.hash })).toStrictEqual({ kind: 'ok', head: head(3) });
  });

  it('names each anomaly', () => {
    const code = (last: ReturnType<typeof head> | undefined, e: GeneratedEvent, hash = e.hash, extra?: () => { code: string; detail: string } | null) =>
      (checkNextEvent({ tenantId: tenant, last, event: e.event, hash, ...(extra ? { extra } : {}) }) as { anomaly?: { code: string } }).anomaly?.code;
    expect(code(head(1), chain[3]!)).toBe('CHAIN_GAP');
    expect(code(undefined, chain[1]!)).toBe('CHAIN_GAP');
    expect(code(head(3), chain[2]!)).toBe('CHAIN_DUPLICATE');
    const forkedEvent = { ...chain[3]!.event, payload: { ...chain[3]!.event.payload, forged: true } };
    expect(code(head(3), { event: forkedEvent, hash: eventHash(forkedEvent) })).toBe('CHAIN_DUPLICATE');
    const relinked = { ...chain[3]!.event, prevHash: chain[0]!.hash };
    expect(code(head(2), { event: relinked, hash: eventHash(relinked) })).toBe('CHAIN_HASH_MISMATCH');
    expect(code(head(2), chain[3]!, chain[4]!.hash)).toBe('CHAIN_HASH_INVALID');
    expect(code(head(2), other[0]!)).toBe('CHAIN_TENANT_MISMATCH');
    expect(code(head(2), chain[3]!, chain[3]!.hash, () => ({ code: 'SIGNATURE_MISSING', detail: 'no signature' }))).toBe('SIGNATURE_MISSING');
  });

  it('a byte-identical repeat of the head is a redelivery, not an anomaly', () => {
    expect(checkNextEvent({ tenantId: tenant, last: head(3), event: chain[3]!.event, hash: chain[3]!.hash })).toStrictEqual({ kind: 'redelivery' });
  });
});

describe('RunGuard', () => {
  it('quarantines the tenant at a duplicate: its later records are skipped, another tenant flows', () => {
    const guard = new RunGuard([], []);
    const kinds = [
      record(chain[0]!, 0), record(chain[1]!, 1), record(chain[0]!, 2), record(other[0]!, 3), record(chain[2]!, 4), record(other[1]!, 5),
    ].map((r) => guard.admit(r).kind);
    expect(kinds).toStrictEqual(['apply', 'apply', 'anomaly', 'apply', 'quarantined', 'apply']);
    expect(guard.raised()).toMatchObject([{ tenantId: tenant, offset: 2n, seq: 1, anomaly: { code: 'CHAIN_DUPLICATE' } }]);
    expect(guard.headOf(tenant)).toStrictEqual({ ...head(1), partition: 0, offset: 1n });
  });

  it('a re-read is seen, a redelivered head skipped silently, and a stored quarantine holds across a restart', () => {
    const guard = new RunGuard([[tenant, { ...head(1), partition: 0, offset: 1n }]], [{ tenantId: tenant, partition: 0, offset: 5n, released: false }]);
    expect(guard.admit(record(chain[1]!, 1)).kind).toBe('seen');
    expect(guard.admit(record(chain[1]!, 3)).kind).toBe('redelivery');
    expect(guard.admit(record(chain[2]!, 4)).kind).toBe('apply');
    expect(guard.admit(record(chain[3]!, 5)).kind).toBe('quarantined');
    expect(guard.admit(record(chain[4]!, 6)).kind).toBe('quarantined');
    expect(guard.raised()).toStrictEqual([]);
  });

  it('after a release the raised-on record is dismissed and the tenant re-checked from its head', () => {
    const stored = [{ tenantId: tenant, partition: 0, offset: 2n, released: true }];
    const guard = new RunGuard([[tenant, { ...head(1), partition: 0, offset: 1n }]], stored);
    expect(guard.admit(record(chain[0]!, 2)).kind).toBe('dismissed');
    expect(guard.admit(record(chain[2]!, 3))).toStrictEqual({ kind: 'apply', resumed: true });
    expect(guard.admit(record(chain[4]!, 4)).kind).toBe('anomaly'); // a real gap quarantines again
    expect(guard.dismissed()).toStrictEqual(stored);
  });

  it('a record that does not decode quarantines the tenant of its key', () => {
    const guard = new RunGuard([], []);
    expect(guard.admit({ tenantId: tenant, partition: 0, offset: 0n, undecodable: 'does not decode (UNKNOWN_SCHEMA)' })).toMatchObject({ kind: 'anomaly', anomaly: { code: 'CHAIN_UNDECODABLE' } });
    expect(guard.admit(record(chain[0]!, 1)).kind).toBe('quarantined');
  });
});
