// The default immutable store: a write-once directory.
import { chmodSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../domain/chain/sha256.ts';
import { FsAnchorStore } from '../../adapters/storage/fs-store.ts';
import { removeTemporaryDirs, temporaryDir } from '../audit/fixtures/bundle.ts';

afterAll(removeTemporaryDirs);

const note = (text: string) => Buffer.from(`palisade.test/anchors\n1\n${text}\n`);

function store(): FsAnchorStore {
  return FsAnchorStore.open(join(temporaryDir('anchor-store'), 'anchors'));
}

describe('FsAnchorStore', () => {
  it('writes an anchor once, read-only, and returns a receipt with its SHA-256', async () => {
    const s = store();
    const receipt = await s.publish(s.keyOf(7), note('a'));
    expect(receipt).toEqual({ kind: 'fs', location: s.location, key: '000000000007.note', versionId: null, sha256: sha256(note('a')).toString('hex') });
    expect(statSync(join(s.location, receipt.key)).mode & 0o777).toBe(0o444);
    expect(readdirSync(s.location)).toEqual(['000000000007.note']); // no temporary file left behind
    expect(await s.inspect(receipt)).toBeNull();
  });

  it('returns the same receipt for the same bytes (a restart finishing its publication)', async () => {
    const s = store();
    const first = await s.publish('000000000001.note', note('a'));
    expect(await s.publish('000000000001.note', note('a'))).toEqual(first);
  });

  it('never overwrites: other bytes under the same key are a CONFLICT', async () => {
    const s = store();
    await s.publish('000000000001.note', note('a'));
    await expect(s.publish('000000000001.note', note('b'))).rejects.toMatchObject({ code: 'CONFLICT', retriable: false });
  });

  it('reports a replaced file (STORAGE_MISMATCH) and a missing one (STORAGE_MISSING)', async () => {
    const s = store();
    const receipt = await s.publish('000000000001.note', note('a'));
    const path = join(s.location, receipt.key);
    chmodSync(path, 0o644);
    writeFileSync(path, note('forged'));
    expect(await s.inspect(receipt)).toMatchObject({ code: 'STORAGE_MISMATCH', expected: receipt.sha256, actual: sha256(note('forged')).toString('hex') });
    rmSync(path);
    expect(await s.inspect(receipt)).toMatchObject({ code: 'STORAGE_MISSING' });
  });

  it('refuses keys that leave the directory', async () => {
    const s = store();
    await expect(s.publish('../escape.note', note('a'))).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(s.publish('/etc/passwd', note('a'))).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});
