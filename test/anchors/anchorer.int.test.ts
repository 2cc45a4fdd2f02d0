// The anchorer on the real broker and PostgreSQL: anchors in Postgres, the write-once directory
// and the anchors topic; consistent across restarts, without duplicates; pending publications
// finished after a crash; a broken tenant chain never anchored.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAnchorEvidence } from '../../audit/anchor-evidence.ts';
import { loadTenantEvidence } from '../../audit/pg-evidence.ts';
import { parseVerifierKey } from '../../crypto/note.ts';
import { readPartitionsToEnd } from '../../adapters/kafka/partition-reader.ts';
import { chainedEvents } from '../audit/fixtures/events.ts';
import { AnchorHarness, RecordingLogger, waitFor } from './support/harness.ts';

const A = '0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f6';
const B = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
const C = 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff';

let h: AnchorHarness;
afterEach(async () => {
  await h?.close();
});

async function anchorsOnTopic(): Promise<{ key: string; value: string }[]> {
  const found: { key: string; value: string }[] = [];
  await readPartitionsToEnd(h.kafka, {
    topic: h.topics.anchors, partitions: [0],
    onRecords: (_p, records) => { for (const r of records) found.push({ key: r.key!.toString(), value: r.value!.toString() }); },
  });
  return found;
}

async function anchorRows(): Promise<{ anchor_seq: string; state: string; note: string; storage_key: string }[]> {
  return (await h.pool.query('select anchor_seq, state, note, storage_key from anchors.anchors order by anchor_seq')).rows;
}

async function evidenceHolds(tenantId: string): Promise<{ ok: boolean; sizes: number[] }> {
  const evidence = await loadTenantEvidence(h.pool, tenantId);
  const verdict = await verifyAnchorEvidence({ tenantId, checkpoints: evidence.checkpoints, anchors: evidence.anchors, trustedKeys: [parseVerifierKey(h.verifierKey)] });
  return { ok: verdict.ok, sizes: evidence.checkpoints.map((c) => c.size) };
}

describe('the anchorer', () => {
  it('anchors the tenants that changed: checkpoints with proofs in Postgres, the note in the write-once directory and on the anchors topic', async () => {
    h = await AnchorHarness.create();
    await h.produce([...chainedEvents(A, 5), ...chainedEvents(B, 3)]);
    const anchorer = await h.anchorer();
    await h.consumed(anchorer, A, 5);
    await h.consumed(anchorer, B, 3);
    const anchor = await anchorer.checkpointNow();
    expect(anchor).toMatchObject({ seq: 1, state: 'pending' });
    await anchorer.published();
    expect(await anchorer.checkpointNow()).toBeNull(); // nothing changed since

    const [row] = await anchorRows();
    expect(row).toMatchObject({ anchor_seq: '1', state: 'published', storage_key: '000000000001.note' });
    const stored = join(h.dataDir, 'anchors', '000000000001.note');
    expect(readFileSync(stored, 'utf8')).toBe(row!.note);
    expect(await anchorsOnTopic()).toEqual([{ key: '1', value: row!.note }]);
    expect(await evidenceHolds(A)).toEqual({ ok: true, sizes: [5] });
    expect(await evidenceHolds(B)).toEqual({ ok: true, sizes: [3] });
  });

  it('keeps anchoring across a restart: consistent trees, contiguous anchors, no duplicates', async () => {
    h = await AnchorHarness.create();
    const eventsA = chainedEvents(A, 12);
    const eventsB = chainedEvents(B, 6);
    await h.produce([...eventsA.slice(0, 4), ...eventsB.slice(0, 2)]);
    const first = await h.anchorer();
    await h.consumed(first, A, 4);
    await h.consumed(first, B, 2);
    await first.checkpointNow();
    await h.produce(eventsA.slice(4, 7));
    await h.consumed(first, A, 7);
    await first.checkpointNow();
    await first.published();
    await first.stop();

    await h.produce([...eventsA.slice(7), ...eventsB.slice(2), ...chainedEvents(C, 2)]);
    const second = await h.anchorer();
    expect(second.lastAnchorSeq).toBe(2);
    await h.consumed(second, A, 12);
    await h.consumed(second, B, 6);
    await h.consumed(second, C, 2);
    await second.checkpointNow();
    await second.published();
    // Resumed at the stored cut: nothing was read twice into the trees.
    expect(second.tenantStatus(A)).toEqual({ size: 12, checkpointedSize: 12, halted: null });

    expect((await anchorRows()).map((r) => [r.anchor_seq, r.state])).toEqual([['1', 'published'], ['2', 'published'], ['3', 'published']]);
    expect((await anchorsOnTopic()).map((r) => r.key)).toEqual(['1', '2', '3']);
    expect(readdirSync(join(h.dataDir, 'anchors')).sort()).toEqual(['000000000001.note', '000000000002.note', '000000000003.note']);
    expect(await evidenceHolds(A)).toEqual({ ok: true, sizes: [4, 7, 12] });
    expect(await evidenceHolds(B)).toEqual({ ok: true, sizes: [2, 6] });
    expect(await evidenceHolds(C)).toEqual({ ok: true, sizes: [2] });
  });

  it('finishes an anchor that a failure left unpublished, exactly once, after a restart', async () => {
    h = await AnchorHarness.create();
    await h.produce(chainedEvents(A, 3));
    const storeDir = join(h.dataDir, 'anchors');
    const first = await h.anchorer();
    await h.consumed(first, A, 3);
    rmSync(storeDir, { recursive: true });
    writeFileSync(storeDir, 'not a directory'); // the store's disk is gone: publication keeps failing
    await first.checkpointNow();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await first.stop();
    expect((await anchorRows()).map((r) => r.state)).toEqual(['pending']);

    rmSync(storeDir);
    const [pending] = await anchorRows();
    // As if the crash came after the storage write and the Kafka send, before Postgres knew:
    // the restarted anchorer adopts both instead of writing them twice.
    const { FsAnchorStore } = await import('../../adapters/storage/fs-store.ts');
    await FsAnchorStore.open(storeDir).publish('000000000001.note', Buffer.from(pending!.note));
    const { IdempotentProducer } = await import('../../adapters/kafka/simple-producer.ts');
    const producer = await IdempotentProducer.open(h.kafka);
    await producer.send([{ topic: h.topics.anchors, key: '1', value: Buffer.from(pending!.note) }]);
    await producer.close();

    const second = await h.anchorer();
    await second.published();
    expect((await anchorRows()).map((r) => r.state)).toEqual(['published']);
    expect(await anchorsOnTopic()).toEqual([{ key: '1', value: pending!.note }]);
    expect(await evidenceHolds(A)).toEqual({ ok: true, sizes: [3] });
  });

  it('never anchors a tenant past a broken chain, and keeps anchoring the others', async () => {
    h = await AnchorHarness.create();
    const eventsA = chainedEvents(A, 6);
    await h.produce(eventsA.slice(0, 3));
    await h.produce(eventsA.slice(3, 4), h.topics.events, () => 'f'.repeat(64)); // a record whose hash is not its content's
    await h.produce([...eventsA.slice(4), ...chainedEvents(B, 2)]);
    const log = new RecordingLogger();
    const anchorer = await h.anchorer({}, log);
    await h.consumed(anchorer, B, 2);
    await waitFor(() => anchorer.tenantStatus(A)?.halted !== null, 'tenant A to halt');
    expect(anchorer.tenantStatus(A)).toEqual({ size: 3, checkpointedSize: 0, halted: expect.stringContaining('CHAIN_HASH_INVALID at seq 4') });
    expect(log.errors.some((e) => e.msg.startsWith('tenant chain does not verify') && (e.obj as { tenantId: string }).tenantId === A)).toBe(true);
    await anchorer.checkpointNow();
    await anchorer.published();
    expect(await evidenceHolds(A)).toEqual({ ok: true, sizes: [3] });
    expect(await evidenceHolds(B)).toEqual({ ok: true, sizes: [2] });
  });

  it('refuses to run twice on one database', async () => {
    h = await AnchorHarness.create();
    await h.anchorer();
    await expect(h.anchorer()).rejects.toMatchObject({ code: 'ALREADY_RUNNING' });
  });

  it('anchors on its own every PALISADE_ANCHOR_INTERVAL', async () => {
    h = await AnchorHarness.create();
    const published: number[] = [];
    await h.anchorer({ intervalMs: 1_000 }, new RecordingLogger(), { onPublished: (a) => published.push(a.seq) });
    await h.produce(chainedEvents(A, 2));
    await waitFor(() => published.length >= 1, 'a first anchor');
    await h.produce(chainedEvents(A, 2, { seq: 2, hash: chainedEvents(A, 2)[1]!.hash }));
    await waitFor(() => published.length >= 2, 'a second anchor');
    expect(published.slice(0, 2)).toEqual([1, 2]);
    expect(await evidenceHolds(A)).toMatchObject({ ok: true, sizes: [2, 4] });
    expect(existsSync(join(h.dataDir, 'anchors', '000000000002.note'))).toBe(true);
  });
});
