// The local development master key (KEK) that `palisade stack up` creates in the git-ignored
// data folder (<data dir>/keys/master.key: 64 hex digits and a newline, mode 0600, directory
// 0700), so the processor and `palisade vault …` work on the local stack without setting
// anything. deploy/config/master-key.ts uses it only with the local stack; production sets
// PALISADE_MASTER_KEY or PALISADE_MASTER_KEY_FILE. Never overwritten: data keys wrapped by it
// would be lost with it.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { zero } from '../crypto/secure-memory.ts';
import { destroyKek, generateKek, kekKeyFileBytes } from '../crypto/vault/index.ts';

export const MASTER_KEY_FILE_MODE = 0o600;

/** Creates the development master key at `keyFile` unless a file is there; says whether it did. */
export function ensureDevMasterKeyFile(keyFile: string): { created: boolean; keyFile: string; kekId?: string } {
  if (existsSync(keyFile)) return { created: false, keyFile };
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  const kek = generateKek();
  const bytes = kekKeyFileBytes(kek);
  let fd: number;
  try {
    fd = openSync(keyFile, 'wx', MASTER_KEY_FILE_MODE);
  } catch (error) {
    zero(bytes);
    destroyKek(kek);
    // Created by a concurrent `stack up` between the check and here: theirs stands.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { created: false, keyFile };
    throw error;
  }
  let written = false;
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
    written = true;
    return { created: true, keyFile, kekId: kek.id };
  } finally {
    closeSync(fd);
    zero(bytes);
    destroyKek(kek);
    if (!written) rmSync(keyFile, { force: true }); // never leave a half-written key behind
  }
}
