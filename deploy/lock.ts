// One `stack up` / `stack down` / broker restart at a time per data dir: an exclusive lock file
// holding the owner's pid. A lock whose owner is gone is stale and taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError } from './errors.ts';
import { isAlive } from './process.ts';

const held = new Set<string>();

export async function withStackLock<T>(dataDir: string, fn: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  const file = join(dataDir, 'stack.lock');
  if (held.has(file)) return fn(); // re-entrant within this process
  mkdirSync(dataDir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(file, 'utf8').trim());
    } catch {
      continue; // released between our two calls
    }
    if (!Number.isInteger(owner) || owner === process.pid || !isAlive(owner)) {
      rmSync(file, { force: true }); // stale
      continue;
    }
    if (Date.now() > deadline)
      throw new StackError('LOCKED', `another palisade process (pid ${owner}) is starting or stopping the stack in ${dataDir}; wait for it, or remove ${file} if it is gone`);
    await sleep(250);
  }
  held.add(file);
  try {
    return await fn();
  } finally {
    held.delete(file);
    rmSync(file, { force: true });
  }
}
