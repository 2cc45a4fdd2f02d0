// The default store: a local write-once directory. An anchor is written to a temporary file,
// fsynced, then hard-linked to its final name: link(2) never replaces an existing name, so a
// published anchor is never overwritten, and a crash never leaves a half-written anchor under
// its key. Files are read-only (0444) and the directory is fsynced after the link, so the name
// survives a power loss. (A root user can still chmod and rewrite a file: that is what
// `inspect` against the recorded SHA-256 catches; for storage nobody can change, use s3.)
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { StorageFinding, StorageReceipt } from '../../domain/merkle/anchor-records.ts';
import { sha256 } from '../../domain/chain/sha256.ts';
import { type AnchorStore, anchorFileName } from './anchor-store.ts';
import { AnchorStoreError } from './errors.ts';

const READ_ONLY = 0o444;
const SAFE_KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

export class FsAnchorStore implements AnchorStore {
  readonly kind = 'fs' as const;
  readonly location: string;

  constructor(dir: string) {
    if (!isAbsolute(dir)) throw new AnchorStoreError('INVALID_OPTIONS', `PALISADE_ANCHOR_DIR must be an absolute path, got '${dir}'`);
    this.location = resolve(dir);
  }

  /** Creates the directory if needed. */
  static open(dir: string): FsAnchorStore {
    const store = new FsAnchorStore(dir);
    mkdirSync(store.location, { recursive: true, mode: 0o755 });
    return store;
  }

  keyOf(seq: number): string {
    return anchorFileName(seq);
  }

  async publish(key: string, bytes: Buffer): Promise<StorageReceipt> {
    const path = this.#pathOf(key);
    const receipt: StorageReceipt = { kind: 'fs', location: this.location, key, versionId: null, sha256: sha256(bytes).toString('hex') };
    const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
      writeDurably(temporary, bytes);
    } catch (error) {
      throw unavailable(`write ${temporary}`, error); // a full disk or a missing mount: worth retrying
    }
    try {
      linkSync(temporary, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unavailable(`link ${path}`, error);
      const existing = readFileSync(path);
      if (!existing.equals(bytes)) throw new AnchorStoreError('CONFLICT', `${path} already holds another anchor; a published anchor is never overwritten`);
      return receipt; // published before (a restart finishing its publication): same bytes
    } finally {
      unlinkSync(temporary);
    }
    fsyncDirectory(dirname(path));
    return receipt;
  }

  async inspect(receipt: StorageReceipt): Promise<StorageFinding | null> {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.#pathOf(receipt.key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return { code: 'STORAGE_MISSING', expected: receipt.key, actual: 'no such file', detail: `${receipt.key} is not in ${this.location}` };
      }
      throw unavailable(`read ${receipt.key}`, error);
    }
    const actual = sha256(bytes).toString('hex');
    if (actual !== receipt.sha256) {
      return { code: 'STORAGE_MISMATCH', expected: receipt.sha256, actual, detail: `the stored file has SHA-256 ${actual.slice(0, 12)}…, not the published ${receipt.sha256.slice(0, 12)}…: it was replaced` };
    }
    return null;
  }

  async close(): Promise<void> {}

  #pathOf(key: string): string {
    if (!SAFE_KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
      throw new AnchorStoreError('INVALID_OPTIONS', `'${key}' is not a safe anchor key`);
    }
    return join(this.location, key);
  }
}

function writeDurably(path: string, bytes: Buffer): void {
  const fd = openSync(path, 'wx', READ_ONLY);
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function unavailable(what: string, cause: unknown): AnchorStoreError {
  return new AnchorStoreError('UNAVAILABLE', `anchor store: ${what}: ${(cause as Error).message}`, { cause });
}
