// A local S3 that enforces Object Lock, for `palisade stack up --s3` and the tests: moto's server
// (`python3 -m moto.server`, installed on the machine image), started detached like the broker,
// recorded in <data dir>/s3/s3.json, stopped by its pid (verified against its command line).
// moto keeps everything in memory: anchors written to it are gone when it stops. It is a test
// double for S3's Object Lock semantics, not storage; the default store is the fs directory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { StackError } from '../errors.ts';
import { isAlive, spawnDetached, tailOf, terminate, verifiedPid } from '../process.ts';

export const LOCAL_S3_REGION = 'us-east-1';
export const LOCAL_S3_BUCKET = 'palisade-anchors';
/** moto accepts any credentials; these only keep the SDK from looking for real ones. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'palisade-local', secretAccessKey: 'palisade-local' } as const;

export interface LocalS3State {
  readonly version: 1;
  readonly pid: number;
  readonly port: number;
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly logFile: string;
}

export interface LocalS3Options {
  readonly dataDir: string;
  /** 0 or absent: a free port. */
  readonly port?: number;
  readonly bucket?: string;
  readonly readyTimeoutMs?: number;
}

export function localS3Paths(dataDir: string): { root: string; stateFile: string; logFile: string } {
  const root = join(dataDir, 's3');
  return { root, stateFile: join(root, 's3.json'), logFile: join(root, 'moto.log') };
}

export function readLocalS3State(dataDir: string): LocalS3State | undefined {
  try {
    const state = JSON.parse(readFileSync(localS3Paths(dataDir).stateFile, 'utf8')) as LocalS3State;
    return state.version === 1 && Number.isInteger(state.pid) && typeof state.endpoint === 'string' ? state : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of this data dir's running moto server, or undefined. */
export function localS3Pid(dataDir: string): number | undefined {
  const state = readLocalS3State(dataDir);
  return state === undefined ? undefined : verifiedPid(state.pid, ['moto.server', String(state.port)]);
}

/** Starts moto (or reuses the running one) and makes sure the Object Lock bucket exists. */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3State & { readonly reused: boolean }> {
  const paths = localS3Paths(options.dataDir);
  const bucket = options.bucket ?? LOCAL_S3_BUCKET;
  const running = readLocalS3State(options.dataDir);
  if (running !== undefined && localS3Pid(options.dataDir) !== undefined) {
    await ensureLockedBucket(running.endpoint, bucket);
    return { ...running, bucket, reused: true };
  }
  requireMoto();
  mkdirSync(paths.root, { recursive: true });
  const port = options.port !== undefined && options.port > 0 ? options.port : await freePort();
  const pid = await spawnDetached({
    command: 'python3',
    args: ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
    cwd: paths.root,
    logFile: paths.logFile,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(endpoint, pid, paths.logFile, options.readyTimeoutMs ?? 30_000);
    await ensureLockedBucket(endpoint, bucket);
  } catch (error) {
    await terminate(pid, { timeoutMs: 5_000 }).catch(() => undefined);
    throw error;
  }
  const state: LocalS3State = { version: 1, pid, port, endpoint, region: LOCAL_S3_REGION, bucket, logFile: paths.logFile };
  const temporary = `${paths.stateFile}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, paths.stateFile);
  return { ...state, reused: false };
}

/** Stops this data dir's moto server by its recorded pid and forgets it. */
export async function stopLocalS3(options: { dataDir: string }): Promise<{ pid?: number }> {
  const pid = localS3Pid(options.dataDir);
  if (pid !== undefined) await terminate(pid, { timeoutMs: 10_000 });
  rmSync(localS3Paths(options.dataDir).stateFile, { force: true });
  return pid === undefined ? {} : { pid };
}

export function localS3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: LOCAL_S3_REGION, forcePathStyle: true, credentials: { ...LOCAL_S3_CREDENTIALS } });
}

/** Creates `bucket` with Object Lock enabled unless it exists. */
export async function ensureLockedBucket(endpoint: string, bucket: string): Promise<void> {
  const client = localS3Client(endpoint);
  try {
    const exists = await client.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);
    if (!exists) await client.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  } finally {
    client.destroy();
  }
}

function requireMoto(): void {
  const probe = spawnSync('python3', ['-c', 'import moto.server'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new StackError('MISSING_TOOL', 'the local S3 needs moto\'s server (python3 -m moto.server); install it with `pip install "moto[server]"` or use the fs anchor store');
  }
}

async function waitUntilServing(endpoint: string, pid: number, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // Alive, not "its command line names moto": python3 may be a shim (pyenv) that execs its way
    // to the interpreter, and mid-exec the command line reads empty.
    if (!isAlive(pid)) {
      throw new StackError('START_FAILED', `moto exited during start: ${tailOf(logFile)}`);
    }
    const ok = await fetch(`${endpoint}/`).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(100);
  }
  throw new StackError('START_TIMEOUT', `moto did not answer on ${endpoint} within ${timeoutMs} ms; see ${logFile}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
