// Child processes of the local stack: started detached (they outlive the CLI), identified by
// pid AND command line (a recorded pid may have been reused by an unrelated process after a
// reboot), stopped by pid only — never by name.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError } from './errors.ts';

/** True when `pid` is a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPERM') return true;
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) still answers signal 0.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

/** The argv of a running process, or undefined when it is gone. */
export function commandLineOf(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((part) => part.length > 0);
  } catch {
    const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    if (ps.status !== 0) return undefined;
    const line = ps.stdout.trim();
    return line.length > 0 ? line.split(/\s+/) : undefined;
  }
}

/** The pid if it is alive and its command line contains every marker, else undefined. */
export function verifiedPid(pid: number | undefined, markers: readonly string[]): number | undefined {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) return undefined;
  const argv = commandLineOf(pid);
  if (argv === undefined) return undefined;
  const joined = argv.join(' ');
  return markers.every((marker) => joined.includes(marker)) ? pid : undefined;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return !isAlive(pid);
}

export interface TerminateOptions {
  /**
   * Signals sent in turn, each followed by up to `timeoutMs` of waiting; SIGKILL comes last.
   * Default ['SIGTERM']. PostgreSQL wants ['SIGINT', 'SIGQUIT'] (fast, then immediate shutdown).
   */
  readonly signals?: readonly NodeJS.Signals[];
  readonly timeoutMs: number;
}

function send(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Stop one process by pid: signal(s), wait, SIGKILL at the end. Resolves once it is gone. */
export async function terminate(pid: number, options: TerminateOptions): Promise<'exited' | 'killed' | 'absent'> {
  if (!isAlive(pid)) return 'absent';
  for (const signal of options.signals ?? ['SIGTERM']) {
    if (!send(pid, signal)) return 'exited';
    if (await waitForExit(pid, options.timeoutMs)) return 'exited';
  }
  if (!send(pid, 'SIGKILL')) return 'exited';
  if (await waitForExit(pid, 10_000)) return 'killed';
  throw new StackError('STOP_FAILED', `process ${pid} survived SIGKILL; check it with \`ps -p ${pid}\``);
}

export interface DetachedSpawn {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** stdout and stderr are appended here (so the child holds no pipe of ours). */
  readonly logFile: string;
  /** The child's whole environment; this process's by default. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Start a process in its own session that keeps running after we exit; returns its pid. */
export function spawnDetached(options: DetachedSpawn): Promise<number> {
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      ...(options.env === undefined ? {} : { env: options.env }), // else the parent's environment
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    return new Promise((resolve, reject) => {
      child.once('error', (error) => {
        reject(error);
      });
      child.once('spawn', () => {
        child.unref();
        if (child.pid === undefined) reject(new Error(`${options.command} started without a pid`));
        else resolve(child.pid);
      });
    });
  } finally {
    closeSync(fd);
  }
}

/** True when nothing listens on host:port (we can bind it ourselves). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => {
      resolve(false);
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** The last `lines` non-empty lines of a log file, for error messages ('' when unreadable). */
export function tailOf(file: string, lines = 5): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .slice(-lines)
      .join(' | ');
  } catch {
    return '';
  }
}
