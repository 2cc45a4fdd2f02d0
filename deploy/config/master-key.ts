// The master key (KEK) at start-up, for the services and commands that wrap or unwrap data keys
// (the command processor, `palisade vault …`). Where it comes from, in order:
//   1. PALISADE_MASTER_KEY: 64 hex digits (`openssl rand -hex 32`), or
//   2. PALISADE_MASTER_KEY_FILE: a file holding them (one optional trailing newline), readable by
//      its owner only (mode 0600 or stricter; a group- or world-accessible file is refused, as
//      crypto/key-file.ts and ssh do);
//   3. only when neither is set AND this is the local stack: the development key
//      `<data dir>/keys/master.key` that `palisade stack up` creates. "The local stack" means
//      `<data dir>/stack.json` records a running stack and the database the caller will use is
//      on that stack's server, so a development key can never wrap a key in another database.
// Both variables set, a malformed value, a file that cannot be read: MasterKeyError (a
// ConfigError with a stable `code`) naming the variable and how to fix it; the caller refuses to
// start. The key goes from the file's bytes straight into secure memory; the bytes are zeroed.
import { closeSync, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, VaultError, type Kek, kekFromHex, kekFromKeyFileBytes } from '../../crypto/vault/index.ts';
import type { Env } from './env.ts';
import { MasterKeyError } from './errors.ts';
import { onLocalStackServer, recordedLocalStack } from './local-stack.ts';

export { MASTER_KEY_ENV, MASTER_KEY_FILE_ENV } from '../../crypto/vault/index.ts';

const MAKE_ONE = `make one with \`openssl rand -hex 32\` (e.g. \`(umask 077; openssl rand -hex 32 > master.key)\`)`;

/** Where `palisade stack up` keeps the local development master key. */
export function devMasterKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', 'master.key');
}

/**
 * Reads a master key file: refused unless it is a regular file that only its owner can access;
 * `label` names the source in errors (default: PALISADE_MASTER_KEY_FILE).
 */
export function readMasterKeyFile(path: string, label: string = MASTER_KEY_FILE_ENV): Kek {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new MasterKeyError('MASTER_KEY_UNREADABLE', label, `(${path}) cannot be read (${code})`, `point it at a file holding 64 hex digits; ${MAKE_ONE}`);
  }
  let bytes: Buffer;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new MasterKeyError('MASTER_KEY_PERMISSIONS', label, `(${path}) is not a regular file`, 'point it at the key file itself');
    }
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new MasterKeyError(
        'MASTER_KEY_PERMISSIONS',
        label,
        `(${path}) has mode ${(stat.mode & 0o777).toString(8)}: group or others can access it`,
        `run \`chmod 600 ${path}\``,
      );
    }
    bytes = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    return kekFromKeyFileBytes(bytes, `${label} (${path})`); // zeroes `bytes`
  } catch (error) {
    throw fromVaultError(error, label, `(${path}) does not hold 64 hex digits`, `the file must hold exactly 64 hex digits and at most one trailing newline; ${MAKE_ONE}`);
  }
}

function fromVaultError(error: unknown, variable: string, problem: string, fix: string): unknown {
  if (!(error instanceof VaultError)) return error;
  return new MasterKeyError('MASTER_KEY_MALFORMED', variable, error.code === 'MASTER_KEY_MALFORMED' ? problem : `${problem} (${error.code})`, fix);
}

/** The variable that names the master key when one is set (non-empty, untrimmed, as masterKeySource decides). */
export function masterKeyVariable(env: Env): typeof MASTER_KEY_ENV | typeof MASTER_KEY_FILE_ENV | undefined {
  if ((env[MASTER_KEY_ENV] ?? '') !== '') return MASTER_KEY_ENV;
  if ((env[MASTER_KEY_FILE_ENV] ?? '') !== '') return MASTER_KEY_FILE_ENV;
  return undefined;
}

/** Where the master key will come from (without reading it), or why there is none. */
export type MasterKeySource =
  | { readonly kind: 'env'; readonly variable: typeof MASTER_KEY_ENV }
  | { readonly kind: 'file'; readonly variable: typeof MASTER_KEY_FILE_ENV; readonly file: string }
  | { readonly kind: 'dev-file'; readonly file: string };

/** Where a service runs: its data folder and the database it will use (an AppConfig is one). */
export interface MasterKeyPlace {
  readonly dataDir: string;
  /** Without it, any recorded local stack admits the development key. */
  readonly databaseUrl?: string;
}

/** Decides the source of the master key (see the top of this file). */
export function masterKeySource({ dataDir, databaseUrl }: MasterKeyPlace, env: Env = process.env): MasterKeySource {
  const inline = env[MASTER_KEY_ENV];
  const file = env[MASTER_KEY_FILE_ENV];
  const hasInline = inline !== undefined && inline !== '';
  const hasFile = file !== undefined && file !== '';
  if (hasInline && hasFile) {
    throw new MasterKeyError('MASTER_KEY_AMBIGUOUS', `${MASTER_KEY_ENV} and ${MASTER_KEY_FILE_ENV}`, 'are both set', 'set only one of them');
  }
  if (hasInline) return { kind: 'env', variable: MASTER_KEY_ENV };
  if (hasFile) return { kind: 'file', variable: MASTER_KEY_FILE_ENV, file };

  const devFile = devMasterKeyFile(dataDir);
  const stack = recordedLocalStack(dataDir);
  const missing = (why: string) =>
    new MasterKeyError(
      'MASTER_KEY_MISSING',
      `${MASTER_KEY_ENV} (or ${MASTER_KEY_FILE_ENV})`,
      `is not set${why}`,
      `set ${MASTER_KEY_ENV} to 64 hex digits or ${MASTER_KEY_FILE_ENV} to a file (chmod 600) holding them; ${MAKE_ONE}. ` +
        'For local development, `palisade stack up` creates one in the data folder',
    );
  if (stack === undefined) throw missing('');
  if (databaseUrl !== undefined && !onLocalStackServer(stack, databaseUrl)) {
    throw missing(` (the local development key ${devFile} is used only with the local stack's database server)`);
  }
  if (!existsSync(devFile)) throw missing(` and the local stack has no development key yet (run \`palisade stack up\` to create ${devFile})`);
  return { kind: 'dev-file', file: devFile };
}

/**
 * The master key for this process (see the top of this file), in secure memory: destroyKek()
 * it when done. Throws MasterKeyError, whose message names PALISADE_MASTER_KEY /
 * PALISADE_MASTER_KEY_FILE and how to make a key, so the caller refuses to start.
 */
export function loadMasterKey(place: MasterKeyPlace, env: Env = process.env): Kek {
  const source = masterKeySource(place, env);
  switch (source.kind) {
    case 'env':
      try {
        return kekFromHex(env[MASTER_KEY_ENV] ?? '', MASTER_KEY_ENV);
      } catch (error) {
        throw fromVaultError(error, MASTER_KEY_ENV, 'is not 64 hex digits (32 bytes)', `set it to exactly 64 hex digits; ${MAKE_ONE}`);
      }
    case 'file':
      return readMasterKeyFile(source.file, MASTER_KEY_FILE_ENV);
    case 'dev-file':
      return readMasterKeyFile(source.file, 'the local development key');
  }
}
