// The tamper suite on an export bundle: every kind of tampering the issue lists is detected by
// the standalone verifier, with the failure code, the position and the message that name it.
import { chmodSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../audit/bundle/verify-bundle.ts';
import { BUNDLE_FILES } from '../../audit/bundle/format.ts';
import { generateSigningKeyPair } from '../../crypto/ed25519.ts';
import { signNote, verifierKeyString } from '../../crypto/note.ts';
import { sha256 } from '../../domain/chain/sha256.ts';
import { ORIGIN, OTHER_B, TARGET } from './fixtures/anchored-history.ts';
import { type BundleFixture, noteFile, readCheckpoints, readEvents, removeTemporaryDirs, writeBundleFixture, writeCheckpoints, writeEvents } from './fixtures/bundle.ts';
import { rechain } from './fixtures/events.ts';
import { forgeCheckpoint } from './fixtures/forge.ts';

let f: BundleFixture;
let pinned: { pinnedKeys: string[] };

afterAll(removeTemporaryDirs);
beforeEach(async () => {
  f = await writeBundleFixture();
  pinned = { pinnedKeys: [f.history.verifierKey] };
});

// Every case runs sequentially AND with worker threads over 300-byte ranges (about one event
// each): both must name the same failure.
const MODES = [{ jobs: 1 }, { jobs: 2, chunkBytes: 300 }];
const verify = async (extra: Parameters<typeof verifyBundle>[1] = {}) => {
  const [sequential, parallel] = await Promise.all(MODES.map((mode) => verifyBundle(f.dir, { ...pinned, ...mode, ...extra })));
  expect(parallel).toEqual(sequential);
  return sequential!;
};

describe('a genuine bundle', () => {
  it('verifies: 14 events, 3 checkpoints (sizes 3, 7, 12), with the pinned key and against the anchor store', async () => {
    const result = await verify({ anchorStoreDir: f.storeDir });
    expect(result).toMatchObject({
      ok: true, tenantId: TARGET, events: 14, head: { seq: 14 }, storageChecked: true, keySource: 'pinned',
      checkpoints: { total: 3, verified: 3, latest: { size: 12, anchorSeq: 4 } },
    });
    expect(result.failure).toBeUndefined();
  });

  it('verifies with the bundle\'s own keys, and says so', async () => {
    expect(await verifyBundle(f.dir)).toMatchObject({ ok: true, keySource: 'bundle', storageChecked: false });
  });
});

describe('tampered events', () => {
  it('a changed payload byte: HASH_MISMATCH at that seq', async () => {
    const events = readEvents(f.dir);
    (events[4]!.payload as { email: string }).email = 'u-5@example.con';
    writeEvents(f.dir, events);
    expect((await verify()).failure).toMatchObject({ code: 'HASH_MISMATCH', seq: 5, actual: events[4]!.hash, message: expect.stringContaining('the event was altered') });
  });

  it('a changed hash: HASH_MISMATCH at that seq', async () => {
    const events = readEvents(f.dir);
    events[5]!.hash = `${events[5]!.hash.slice(0, 63)}${events[5]!.hash.endsWith('0') ? '1' : '0'}`;
    writeEvents(f.dir, events);
    expect((await verify()).failure).toMatchObject({ code: 'HASH_MISMATCH', seq: 6, actual: events[5]!.hash });
  });

  it('two events swapped: SEQ_GAP where the first moved one should be', async () => {
    const events = readEvents(f.dir);
    [events[4], events[5]] = [events[5]!, events[4]!];
    writeEvents(f.dir, events);
    expect((await verify()).failure).toMatchObject({ code: 'SEQ_GAP', seq: 5, expected: '5', actual: '6' });
  });

  it('an event deleted: SEQ_GAP at its seq', async () => {
    const events = readEvents(f.dir);
    events.splice(8, 1);
    writeEvents(f.dir, events);
    expect((await verify()).failure).toMatchObject({ code: 'SEQ_GAP', seq: 9, expected: '9', actual: '10' });
  });

  it('an event inserted: SEQ_DUPLICATE where the original follows', async () => {
    const events = readEvents(f.dir);
    const [forged] = rechain([{ ...events[4]!, payload: { userId: 'mallory', email: 'm@evil.example', role: 'owner' } }], { seq: 4, hash: events[3]!.hash });
    events.splice(4, 0, forged!);
    writeEvents(f.dir, events);
    expect((await verify()).failure).toMatchObject({ code: 'SEQ_DUPLICATE', seq: 6, expected: '6', actual: '5' });
  });

  it('an event inserted and the chain re-hashed after it: ROOT_MISMATCH at the first checkpoint after it', async () => {
    const events = readEvents(f.dir);
    const forged = { ...events[4]!, payload: { userId: 'mallory', email: 'm@evil.example', role: 'owner' } };
    writeEvents(f.dir, [...events.slice(0, 4), ...rechain([forged, ...events.slice(4)], { seq: 4, hash: events[3]!.hash })]);
    expect((await verify()).failure).toMatchObject({
      code: 'ROOT_MISMATCH', seq: 7, checkpointSize: 7, anchorSeq: 2, expected: f.history.checkpoints.get(TARGET)![1]!.root,
      message: expect.stringContaining('history was rewritten at or before seq 7'),
    });
  });

  it('the tail truncated: TRUNCATED against the checkpoint that covers it', async () => {
    writeEvents(f.dir, readEvents(f.dir).slice(0, 9));
    expect((await verify()).failure).toMatchObject({
      code: 'TRUNCATED', seq: 10, checkpointSize: 12, anchorSeq: 4, expected: 'events 1..12', actual: 'events 1..9',
      message: expect.stringContaining('the tail was truncated'),
    });
  });

  it('a line that is not an event: MALFORMED_EVENT with the line number', async () => {
    appendFileSync(join(f.dir, BUNDLE_FILES.events), '{"seq": 15}\n');
    expect((await verify()).failure).toMatchObject({ code: 'MALFORMED_EVENT', seq: 15, message: expect.stringContaining('events.jsonl line 15') });
  });
});

describe('tampered checkpoints and anchors', () => {
  it('a forked history (re-signed with the real key): CONSISTENCY_INVALID between the two checkpoints', async () => {
    const original = readEvents(f.dir);
    const rewritten = [original[0]!, ...rechain([{ ...original[1]!, payload: { userId: 'mallory', email: 'm@evil.example', role: 'owner' } }, ...original.slice(2, 12)], { seq: 1, hash: original[0]!.hash })];
    const others = [OTHER_B].map((t) => { const c = f.history.checkpoints.get(t)!.at(-1)!; return { tenantId: t, size: c.size, root: c.root }; });
    const forged = forgeCheckpoint(TARGET, rewritten, 7, others, 5, { origin: ORIGIN, secretKey: f.history.secretKey, storeDir: f.storeDir });
    const checkpoints = readCheckpoints(f.dir);
    checkpoints[2] = forged.checkpoint;
    writeCheckpoints(f.dir, checkpoints);
    writeFileSync(noteFile(f.dir, 5), forged.anchor.note);
    appendFileSync(join(f.dir, BUNDLE_FILES.anchorIndex), `${JSON.stringify({ seq: 5, file: 'anchors/000000000005.note', storage: forged.anchor.storage })}\n`);
    writeEvents(f.dir, rewritten);
    expect((await verify()).failure).toMatchObject({
      code: 'CONSISTENCY_INVALID', checkpointSize: 12, anchorSeq: 5,
      message: 'checkpoint at size 12 (anchor 5) is not consistent with the checkpoint at size 7 (anchor 2): the history was forked or rewritten',
    });
  });

  it('a forged anchor signature (another key under the same name): ANCHOR_SIGNATURE NO_KNOWN_SIGNATURE', async () => {
    const mallory = generateSigningKeyPair();
    const text = readFileSync(noteFile(f.dir, 2), 'utf8').split('\n\n')[0]! + '\n';
    writeFileSync(noteFile(f.dir, 2), signNote(text, ORIGIN, mallory.secretKey));
    expect((await verify()).failure).toMatchObject({ code: 'ANCHOR_SIGNATURE', anchorSeq: 2, checkpointSize: 7, actual: 'NO_KNOWN_SIGNATURE' });
  });

  it('a tampered signature byte: ANCHOR_SIGNATURE BAD_SIGNATURE', async () => {
    const note = readFileSync(noteFile(f.dir, 1), 'utf8');
    const line = note.trimEnd().split('\n').at(-1)!;
    const sig = Buffer.from(line.split(' ')[2]!, 'base64');
    sig[10]! ^= 0x01;
    writeFileSync(noteFile(f.dir, 1), note.replace(line, `${line.split(' ').slice(0, 2).join(' ')} ${sig.toString('base64')}`));
    expect((await verify()).failure).toMatchObject({ code: 'ANCHOR_SIGNATURE', anchorSeq: 1, actual: 'BAD_SIGNATURE' });
  });

  it('everything re-signed with the attacker\'s own key and bundled with it: caught only by pinning the real key', async () => {
    const mallory = generateSigningKeyPair();
    for (const seq of [1, 2, 4]) {
      const text = readFileSync(noteFile(f.dir, seq), 'utf8').split('\n\n')[0]! + '\n';
      writeFileSync(noteFile(f.dir, seq), signNote(text, ORIGIN, mallory.secretKey));
    }
    writeFileSync(join(f.dir, BUNDLE_FILES.keys), `${verifierKeyString(ORIGIN, mallory.publicKey)}\n`);
    expect((await verify()).failure).toMatchObject({ code: 'ANCHOR_SIGNATURE', anchorSeq: 1, actual: 'NO_KNOWN_SIGNATURE' });
  });

  it('an anchor replaced in storage: STORAGE_MISMATCH against the write-once directory', async () => {
    const stored = join(f.storeDir, '000000000002.note');
    chmodSync(stored, 0o644);
    writeFileSync(stored, readFileSync(join(f.storeDir, '000000000003.note')));
    const failure = (await verify({ anchorStoreDir: f.storeDir })).failure;
    expect(failure).toMatchObject({ code: 'STORAGE_MISMATCH', anchorSeq: 2, checkpointSize: 7, expected: f.history.anchors.get(2)!.storage.sha256 });
    expect(failure?.message).toMatch(/anchor 2 in fs storage \(000000000002\.note\): the stored file has SHA-256 .* it was replaced/);
  });

  it('an anchor missing from storage: STORAGE_MISSING', async () => {
    rmSync(join(f.storeDir, '000000000004.note'), { force: true });
    expect((await verify({ anchorStoreDir: f.storeDir })).failure).toMatchObject({ code: 'STORAGE_MISSING', anchorSeq: 4 });
  });

  it('the bundle\'s copy of an anchor swapped for another valid anchor: STORAGE_MISMATCH against the receipt', async () => {
    writeFileSync(noteFile(f.dir, 2), readFileSync(join(f.storeDir, '000000000003.note')));
    expect((await verify()).failure).toMatchObject({ code: 'STORAGE_MISMATCH', anchorSeq: 2, expected: f.history.anchors.get(2)!.storage.sha256, actual: sha256(readFileSync(join(f.storeDir, '000000000003.note'))).toString('hex') });
  });

  it('another tenant\'s checkpoint and proof presented as this tenant\'s: INCLUSION_INVALID', async () => {
    const theirs = f.history.checkpoints.get(OTHER_B)!.find((c) => c.anchorSeq === 2)!;
    const checkpoints = readCheckpoints(f.dir);
    // Same anchor, same sizes where possible: only the tenant differs.
    checkpoints[1] = { ...theirs, tenantId: TARGET, previousSize: 3, consistency: checkpoints[1]!.consistency };
    writeCheckpoints(f.dir, checkpoints);
    expect((await verify()).failure).toMatchObject({ code: 'INCLUSION_INVALID', anchorSeq: 2, message: expect.stringContaining('another checkpoint or tenant') });
  });

  it('another tenant\'s inclusion proof under this tenant\'s checkpoint: INCLUSION_INVALID', async () => {
    const theirs = f.history.checkpoints.get(OTHER_B)!.find((c) => c.anchorSeq === 2)!;
    const checkpoints = readCheckpoints(f.dir);
    checkpoints[1] = { ...checkpoints[1]!, leafIndex: theirs.leafIndex, inclusion: theirs.inclusion };
    writeCheckpoints(f.dir, checkpoints);
    expect((await verify()).failure).toMatchObject({ code: 'INCLUSION_INVALID', checkpointSize: 7, anchorSeq: 2 });
  });

  it('another tenant\'s checkpoint as it is: CHECKPOINT_TENANT_MISMATCH', async () => {
    const checkpoints = readCheckpoints(f.dir);
    checkpoints[1] = f.history.checkpoints.get(OTHER_B)!.find((c) => c.anchorSeq === 2)!;
    writeCheckpoints(f.dir, checkpoints);
    expect((await verify()).failure).toMatchObject({ code: 'CHECKPOINT_TENANT_MISMATCH', actual: OTHER_B });
  });

  it('a checkpoint removed from the list: CHECKPOINT_ORDER names the gap', async () => {
    writeCheckpoints(f.dir, readCheckpoints(f.dir).filter((c) => c.size !== 7));
    expect((await verify()).failure).toMatchObject({ code: 'CHECKPOINT_ORDER', checkpointSize: 12, expected: '3', actual: '7' });
  });

  it('an anchor missing from the bundle: ANCHOR_MISSING', async () => {
    const index = readFileSync(join(f.dir, BUNDLE_FILES.anchorIndex), 'utf8').split('\n').filter((l) => l && !l.includes('"seq":4'));
    writeFileSync(join(f.dir, BUNDLE_FILES.anchorIndex), `${index.join('\n')}\n`);
    expect((await verify()).failure).toMatchObject({ code: 'ANCHOR_MISSING', anchorSeq: 4, checkpointSize: 12 });
  });
});
