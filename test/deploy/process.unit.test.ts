import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withStackLock } from '../../deploy/lock.ts';
import { isAlive, isPortFree, terminate, verifiedPid } from '../../deploy/process.ts';

describe('terminate', () => {
  it('stops a process by pid with SIGTERM', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const pid = child.pid ?? 0;
    expect(isAlive(pid)).toBe(true);
    expect(await terminate(pid, { timeoutMs: 5_000 })).toBe('exited');
    expect(isAlive(pid)).toBe(false);
  });

  it('falls back to SIGKILL when the process ignores the signal', async () => {
    const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); process.stdout.write('ready\\n'); setTimeout(() => {}, 60000)"], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = child.pid ?? 0;
    // Signal only once the handler is installed (a fixed pause is too short on a busy machine).
    await new Promise((resolve) => child.stdout.once('data', resolve));
    expect(await terminate(pid, { timeoutMs: 300 })).toBe('killed');
  });
});

describe('verifiedPid', () => {
  it('accepts a live pid only when its command line has every marker', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'marker-one'], { stdio: 'ignore' });
    const pid = child.pid ?? 0;
    try {
      expect(verifiedPid(pid, ['marker-one'])).toBe(pid);
      expect(verifiedPid(pid, ['marker-one', 'kafka.Kafka'])).toBeUndefined();
      expect(verifiedPid(undefined, [])).toBeUndefined();
    } finally {
      await terminate(pid, { timeoutMs: 5_000 });
    }
  });
});

describe('isPortFree', () => {
  it('is false while something listens and true after', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    expect(await isPortFree(port)).toBe(false);
    await new Promise((resolve) => server.close(resolve));
    expect(await isPortFree(port)).toBe(true);
  });
});

describe('withStackLock', () => {
  it('waits while another live process holds the lock, takes it over once that process is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-lock-'));
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const pid = other.pid ?? 0;
    try {
      writeFileSync(join(dir, 'stack.lock'), `${pid}\n`);
      const began = Date.now();
      setTimeout(() => void terminate(pid, { timeoutMs: 5_000 }), 400);
      const ran = await withStackLock(dir, async () => Date.now() - began, 10_000);
      expect(ran).toBeGreaterThanOrEqual(350);
      expect(existsSync(join(dir, 'stack.lock'))).toBe(false); // released
    } finally {
      await terminate(pid, { timeoutMs: 5_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives up with LOCKED after the timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-lock-'));
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const pid = other.pid ?? 0;
    try {
      writeFileSync(join(dir, 'stack.lock'), `${pid}\n`);
      await expect(withStackLock(dir, async () => 'ran', 300)).rejects.toMatchObject({ code: 'LOCKED' });
    } finally {
      await terminate(pid, { timeoutMs: 5_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
