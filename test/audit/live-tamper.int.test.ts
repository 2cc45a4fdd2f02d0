// The tamper suite on live data: the same attacks as on a bundle, made where they would happen in
// production (a rewritten copy of the events topic, edited Postgres rows, a replaced file in the
// anchor directory), each detected by `palisade audit verify` with its precise failure.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditTenantLive } from '../../audit/audit-live.ts';
import { loadTenantEvidence } from '../../audit/pg-evidence.ts';
import { generateSigningKeyPair } from '../../crypto/ed25519.ts';
import { readSigningKeyFile } from '../../crypto/key-file.ts';
import { signNote } from '../../crypto/note.ts';
import type { HashedEvent } from '../../domain/logical.ts';
import { createTestTopics, deleteTestTopics, randomPrefix } from '../support/stack.ts';
import { ORIGIN } from '../anchors/support/harness.ts';
import { rechain } from './fixtures/events.ts';
import { forgeCheckpoint } from './fixtures/forge.ts';
import { type LiveHistory, OTHER, TARGET, asAttacker, liveHistory } from './fixtures/live-history.ts';

describe('live: tampered events (a rewritten copy of the events topic)', () => {
  let live: LiveHistory;
  const prefixes: string[] = [];
  beforeAll(async () => {
    live = await liveHistory();
  });
  afterAll(async () => {
    for (const prefix of prefixes) await deleteTestTopics(prefix).catch(() => undefined);
    await live.close();
  });

  async function auditRewritten(events: HashedEvent[], hashOf?: (e: HashedEvent) => string) {
    const prefix = randomPrefix('tampered');
    prefixes.push(prefix);
    const topics = await createTestTopics(prefix, live.h.partitions);
    await live.h.produce(events, topics.events, hashOf);
    return auditTenantLive(live.deps(topics.events), TARGET);
  }

  it('the genuine history verifies: 12 events, 3 checkpoints, anchors in storage', async () => {
    expect(await auditTenantLive(live.deps(), TARGET)).toMatchObject({
      ok: true, events: 12, head: { seq: 12 }, storageChecked: true, keySource: 'pinned',
      checkpoints: { total: 3, verified: 3, unpublished: 0, latest: { size: 12, anchorSeq: 3 } },
    });
  });

  it('a changed payload byte: HASH_MISMATCH', async () => {
    const events = live.events.map((e) => ({ ...e }));
    events[4] = { ...events[4]!, payload: { ...events[4]!.payload, email: 'u-5@example.con' } };
    expect((await auditRewritten(events)).failure).toMatchObject({ code: 'HASH_MISMATCH', seq: 5 });
  });

  it('a changed hash: HASH_MISMATCH', async () => {
    expect((await auditRewritten(live.events, (e) => (e.seq === 6 ? 'ab'.repeat(32) : e.hash))).failure).toMatchObject({ code: 'HASH_MISMATCH', seq: 6, actual: 'ab'.repeat(32) });
  });

  it('two events swapped: SEQ_GAP', async () => {
    const events = [...live.events];
    [events[4], events[5]] = [events[5]!, events[4]!];
    expect((await auditRewritten(events)).failure).toMatchObject({ code: 'SEQ_GAP', seq: 5, actual: '6' });
  });

  it('an event deleted: SEQ_GAP', async () => {
    expect((await auditRewritten(live.events.filter((e) => e.seq !== 9))).failure).toMatchObject({ code: 'SEQ_GAP', seq: 9, actual: '10' });
  });

  it('an event inserted: SEQ_DUPLICATE; inserted and re-chained: ROOT_MISMATCH at the next checkpoint', async () => {
    const forged = { ...live.events[4]!, payload: { userId: 'mallory', email: 'm@evil.example', role: 'owner' } };
    const [inserted] = rechain([forged], { seq: 4, hash: live.events[3]!.hash });
    expect((await auditRewritten([...live.events.slice(0, 4), inserted!, ...live.events.slice(4)])).failure).toMatchObject({ code: 'SEQ_DUPLICATE', seq: 6 });
    const rewritten = [...live.events.slice(0, 4), ...rechain([forged, ...live.events.slice(4)], { seq: 4, hash: live.events[3]!.hash })];
    expect((await auditRewritten(rewritten)).failure).toMatchObject({ code: 'ROOT_MISMATCH', seq: 7, checkpointSize: 7, anchorSeq: 2 });
  });

  it('the tail truncated: TRUNCATED against the anchor', async () => {
    expect((await auditRewritten(live.events.slice(0, 10))).failure).toMatchObject({
      code: 'TRUNCATED', seq: 11, checkpointSize: 12, anchorSeq: 3, message: expect.stringContaining('the events end at seq 10'),
    });
  });
});

describe('live: tampered records (Postgres rows, the anchor directory)', () => {
  let live: LiveHistory;
  beforeEach(async () => {
    live = await liveHistory();
  });
  afterEach(async () => {
    await live.close();
  });

  it('a forked history, re-signed with the real key and published: CONSISTENCY_INVALID', async () => {
    const { h } = live;
    const rewritten = [live.events[0]!, ...rechain([{ ...live.events[1]!, payload: { userId: 'mallory', email: 'm@evil.example', role: 'owner' } }, ...live.events.slice(2)], { seq: 1, hash: live.events[0]!.hash })];
    const otherCheckpoint = (await loadTenantEvidence(h.pool, OTHER)).checkpoints.at(-1)!;
    const key = readSigningKeyFile(h.keyFile);
    const storeDir = join(h.dataDir, 'anchors');
    const forged = forgeCheckpoint(TARGET, rewritten, 7, [{ tenantId: OTHER, size: otherCheckpoint.size, root: otherCheckpoint.root }], 4, { origin: ORIGIN, secretKey: key.secretKey, storeDir });
    const { FsAnchorStore } = await import('../../adapters/storage/fs-store.ts');
    await FsAnchorStore.open(storeDir).publish(forged.anchor.storage.key, Buffer.from(forged.anchor.note));
    const bytes = (hex: readonly string[]) => hex.map((x) => Buffer.from(x, 'hex'));
    await asAttacker(h.db.url, `insert into anchors.anchors (anchor_seq, tree_size, root, note, note_sha256, verifier_key, state, storage_kind, storage_location, storage_key, stored_at, published_at)
      values (4, 2, $1, $2, $3, $4, 'published', 'fs', $5, $6, now(), now())`,
    [Buffer.alloc(32), forged.anchor.note, Buffer.from(forged.anchor.storage.sha256, 'hex'), h.verifierKey, storeDir, forged.anchor.storage.key]);
    const c = forged.checkpoint;
    await asAttacker(h.db.url, 'update anchors.checkpoints set root = $2, anchor_seq = 4, leaf_index = $3, inclusion_proof = $4, consistency_proof = $5 where tenant_id = $1 and tree_size = 12',
      [TARGET, Buffer.from(c.root, 'hex'), c.leafIndex, bytes(c.inclusion), bytes(c.consistency)]);
    expect((await auditTenantLive(live.deps(), TARGET)).failure).toMatchObject({
      code: 'CONSISTENCY_INVALID', checkpointSize: 12, anchorSeq: 4,
      message: 'checkpoint at size 12 (anchor 4) is not consistent with the checkpoint at size 7 (anchor 2): the history was forked or rewritten',
    });
  });

  it('a forged anchor signature in Postgres: ANCHOR_SIGNATURE', async () => {
    const note = (await live.h.pool.query<{ note: string }>('select note from anchors.anchors where anchor_seq = 2')).rows[0]!.note;
    const forgedNote = signNote(note.slice(0, note.lastIndexOf('\n\n') + 1), ORIGIN, generateSigningKeyPair().secretKey);
    await asAttacker(live.h.db.url, 'update anchors.anchors set note = $1 where anchor_seq = 2', [forgedNote]);
    expect((await auditTenantLive(live.deps(), TARGET)).failure).toMatchObject({ code: 'ANCHOR_SIGNATURE', anchorSeq: 2, checkpointSize: 7, actual: 'NO_KNOWN_SIGNATURE' });
  });

  it('an anchor replaced in the write-once directory: STORAGE_MISMATCH', async () => {
    const file = join(live.h.dataDir, 'anchors', '000000000002.note');
    chmodSync(file, 0o644);
    writeFileSync(file, readFileSync(join(live.h.dataDir, 'anchors', '000000000001.note')));
    expect((await auditTenantLive(live.deps(), TARGET)).failure).toMatchObject({ code: 'STORAGE_MISMATCH', anchorSeq: 2, message: expect.stringContaining('it was replaced') });
  });

  it('another tenant\'s proof presented as this tenant\'s: INCLUSION_INVALID', async () => {
    const theirs = (await loadTenantEvidence(live.h.pool, OTHER)).checkpoints.find((c) => c.anchorSeq === 2)!;
    await asAttacker(live.h.db.url, 'update anchors.checkpoints set leaf_index = $2, inclusion_proof = $3 where tenant_id = $1 and tree_size = 7',
      [TARGET, theirs.leafIndex, theirs.inclusion.map((x) => Buffer.from(x, 'hex'))]);
    expect((await auditTenantLive(live.deps(), TARGET)).failure).toMatchObject({ code: 'INCLUSION_INVALID', checkpointSize: 7, anchorSeq: 2 });
  });

  it('the database refuses edits of checkpoints and of signed anchors to anyone who keeps its triggers on', async () => {
    await expect(live.h.pool.query('update anchors.checkpoints set leaf_index = 0')).rejects.toThrow(/append-only/);
    await expect(live.h.pool.query('delete from anchors.checkpoints')).rejects.toThrow(/append-only/);
    await expect(live.h.pool.query(`update anchors.anchors set note = 'x' where anchor_seq = 1`)).rejects.toThrow(/may only move forward/);
    await expect(live.h.pool.query('delete from anchors.anchors')).rejects.toThrow(/never deleted/);
  });
});
