import { readFileSync } from 'node:fs';
// The auditor's commands end to end, as processes: `palisade audit verify`, `palisade audit
// export` and `palisade audit prove` against the live stack, and `palisade-verify` on the bundle.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafHash } from '../../domain/merkle/hash.ts';
import { verifyInclusion } from '../../domain/merkle/verify.ts';
import { testConfig } from '../support/stack.ts';
import { ORIGIN } from '../anchors/support/harness.ts';
import { type LiveHistory, TARGET, liveHistory } from './fixtures/live-history.ts';
import { removeTemporaryDirs, temporaryDir } from './fixtures/bundle.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let live: LiveHistory;

beforeAll(async () => {
  live = await liveHistory();
});
afterAll(async () => {
  await live.close();
  removeTemporaryDirs();
});

function run(bin: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env['PATH'] ?? '',
    KAFKA_BROKERS: testConfig().brokers.join(','),
    DATABASE_URL: live.h.db.url,
    PALISADE_TOPIC_PREFIX: live.h.prefix,
    PALISADE_PARTITIONS: String(live.h.partitions),
    PALISADE_ANCHOR_KEY_FILE: live.h.keyFile,
    PALISADE_ANCHOR_DIR: join(live.h.dataDir, 'anchors'),
    PALISADE_ANCHOR_ORIGIN: ORIGIN,
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', bin), ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('palisade audit', () => {
  it('verify: exit 0, the chain and 3 checkpoints against their anchors and storage, with the key beside the key file', async () => {
    const r = await run('palisade.js', ['audit', 'verify', '--tenant', TARGET]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = await run('palisade.js', ['audit', 'verify', '--tenant', TARGET, '--json']);
    const parsed = JSON.parse(json.stdout) as { head: { hash: string } };
    expect(parsed).toMatchObject({ ok: true, keySource: 'key-file', storageChecked: true, head: { seq: 12 } });
    expect(r.stdout).toBe(`OK tenant ${TARGET}: 12 events, head seq 12 hash ${parsed.head.hash}, 3/3 checkpoints verified, checkpoint size 12 in anchor 3\n`);
  });

  it('verify: exit 1 and the failure, when the pinned key is not the one the anchors were signed with', async () => {
    const otherKey = 'palisade.test/anchors+db6e74c1+AWfBUfO+EIQe1cxE7bkIGN2zTucg4yrKlDdGHlCXWBzg'; // the golden vectors' key
    const r = await run('palisade.js', ['audit', 'verify', '--tenant', TARGET, '--anchor-key', otherKey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAIL tenant ${TARGET} at checkpoint size 3, anchor 1: ANCHOR_SIGNATURE: anchor 1 is not validly signed by a trusted key (NO_KNOWN_SIGNATURE)`);
  });

  it('export: a bundle that palisade-verify accepts offline with the pinned key and the anchor directory', async () => {
    const out = join(temporaryDir('export'), 'bundle');
    const exported = await run('palisade.js', ['audit', 'export', '--tenant', TARGET, '--out', out, '--json']);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ tenantId: TARGET, events: 12, checkpoints: 3, anchors: 3 });
    const verified = await run('palisade-verify.js', [out, '--key', live.h.verifierKey, '--anchor-store', join(live.h.dataDir, 'anchors')]);
    const head = JSON.parse(readFileSync(join(out, 'events.jsonl'), 'utf8').trim().split('\n').at(-1)!) as { hash: string };
    expect(verified.stdout).toBe(`OK tenant ${TARGET}: 12 events, head seq 12 hash ${head.hash}, 3/3 checkpoints verified, checkpoint size 12 in anchor 3\n`);
    expect(verified.code).toBe(0);
  });

  it('prove: the inclusion proof of one event in the latest checkpoint, which verifies independently', async () => {
    const r = await run('palisade.js', ['audit', 'prove', '--tenant', TARGET, '--seq', '5', '--json']);
    expect(r.code).toBe(0);
    const proof = JSON.parse(r.stdout) as { ok: boolean; verified: boolean; eventHash: string; leafIndex: number; proof: string[]; checkpoint: { size: number; root: string; anchorSeq: number } };
    expect(proof).toMatchObject({ ok: true, verified: true, leafIndex: 4, eventHash: live.events[4]!.hash, checkpoint: { size: 12, anchorSeq: 3 } });
    expect(verifyInclusion(leafHash(Buffer.from(proof.eventHash, 'hex')), 4, 12, proof.proof.map((h) => Buffer.from(h, 'hex')), Buffer.from(proof.checkpoint.root, 'hex'))).toBe(true);
    const text = await run('palisade.js', ['audit', 'prove', '--tenant', TARGET, '--seq', '5']);
    expect(text.stdout).toMatch(/^OK event seq 5 \(hash [0-9a-f]{64}\) is leaf 4 of tenant .*'s tree of size 12\n/);
  });

  it('prove: a seq beyond the latest checkpoint is not anchored yet', async () => {
    const r = await run('palisade.js', ['audit', 'prove', '--tenant', TARGET, '--seq', '13']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('seq 13 of tenant');
    expect(r.stderr).toContain('is not in a published checkpoint yet (the latest covers seq 1..12)');
  });
});
