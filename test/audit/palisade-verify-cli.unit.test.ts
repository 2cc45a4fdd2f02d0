import { join } from 'node:path';
import { readFileSync } from 'node:fs';
// The second executable, as an auditor runs it: `palisade-verify DIR`, exit 0 when all holds,
// 1 with the first failure, 2 when the bundle or the arguments are unusable.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TARGET } from './fixtures/anchored-history.ts';
import { readEvents, removeTemporaryDirs, temporaryDir, writeBundleFixture, writeEvents } from './fixtures/bundle.ts';

afterAll(removeTemporaryDirs);

const BIN = fileURLToPath(new URL('../../bin/palisade-verify.js', import.meta.url));

function run(...args: string[]) {
  // No network, Kafka or Postgres settings reach the verifier: it must not need them.
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('palisade-verify', () => {
  it('exits 0 and prints OK for a genuine bundle, pinned key and anchor store given', async () => {
    const f = await writeBundleFixture();
    const r = run(f.dir, '--key', f.history.verifierKey, '--anchor-store', f.storeDir);
    expect(r.code).toBe(0);
    const head = JSON.parse(readFileSync(join(f.dir, 'events.jsonl'), 'utf8').trim().split('\n').at(-1)!) as { hash: string };
    expect(r.stdout).toBe(`OK tenant ${TARGET}: 14 events, head seq 14 hash ${head.hash}, 3/3 checkpoints verified, checkpoint size 12 in anchor 4\n`);
  });

  it('notes what it could not check when no key is pinned and no store given', async () => {
    const r = run((await writeBundleFixture()).dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('note: anchor keys taken from the bundle (pin them with --key); anchors not compared with storage (use --anchor-store)');
  });

  it('exits 1 with the first failure, as text and as JSON', async () => {
    const f = await writeBundleFixture();
    writeEvents(f.dir, readEvents(f.dir).slice(0, 10));
    const text = run(f.dir, '--key', f.history.verifierKey);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe(
      `FAIL tenant ${TARGET} at seq 11, checkpoint size 12, anchor 4: TRUNCATED: the checkpoint at size 12 (anchor 4) covers seq 1..12, but the events end at seq 10: the tail was truncated\n`,
    );
    const json = run(f.dir, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, tenantId: TARGET, failure: { code: 'TRUNCATED', seq: 11, checkpointSize: 12, anchorSeq: 4 } });
  });

  it('exits 2 for a directory that is not a bundle, and for bad arguments', () => {
    const empty = temporaryDir('not-a-bundle');
    const r = run(empty);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not an audit bundle: manifest.json is missing');
    expect(run().code).toBe(2);
    expect(run(empty, '--key', 'not-a-key').code).toBe(2);
  });
});
