// `palisade vault intake-key|rotate-kek|open-counts`: the key store (crypto/vault/store/) for operators.
// The master key comes from deploy/config/master-key.ts (PALISADE_MASTER_KEY / _FILE, or the local
// stack's development key). Failures print `palisade vault <command>: CODE: message` on one line
// and exit 1; no key material is ever printed (only public keys and fingerprints).
import type { Command } from 'commander';
import { loadConfig } from '../deploy/config/config.ts';
import { MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, loadMasterKey, masterKeySource, readMasterKeyFile } from '../deploy/config/master-key.ts';
import { oneLine } from '../deploy/errors.ts';
import { openPool } from '../adapters/postgres/pool.ts';
import { KeyStore, KeyStoreError, openCountsOf, type RotationProgress } from '../crypto/vault/store/index.ts';
import { type Kek, destroyKek } from '../crypto/vault/index.ts';

async function run(name: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === '3F000' || code === '42P01') {
      // invalid_schema_name / undefined_table: migration 0012 is not applied to this database.
      process.stderr.write(`palisade vault ${name}: NOT_MIGRATED: the database has no vault schema yet: run \`palisade migrate\` (or \`palisade stack up\`)\n`);
    } else {
      process.stderr.write(`palisade vault ${name}: ${typeof code === 'string' ? `${code}: ` : ''}${oneLine(error)}\n`);
    }
    process.exitCode = 1;
  }
}

/** Runs `fn` with a key store on the configured database and master key; cleans up after. */
async function withKeyStore<T>(fn: (store: KeyStore, kek: Kek, config: ReturnType<typeof loadConfig>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const kek = loadMasterKey(config);
  const pool = openPool({ connectionString: config.databaseUrl, max: 2, connectionTimeoutMillis: 10_000, application_name: 'palisade-vault' });
  try {
    return await fn(new KeyStore(pool, kek, { cache: false }), kek, config);
  } finally {
    await pool.end().catch(() => undefined);
    destroyKek(kek);
  }
}

function parseBatchSize(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 10_000) {
    throw new KeyStoreError('INVALID_ARGUMENT', `--batch-size must be a whole number in 1..10000, got "${value}"`);
  }
  return Number(value);
}

/** Progress on stderr: one rewritten line on a terminal, a line per 10 % when piped. */
function progressPrinter(): ((p: RotationProgress) => void) & { done: () => void } {
  const tty = process.stderr.isTTY === true;
  let open = false;
  let lastDecile = -1;
  const print = (p: RotationProgress) => {
    const what = p.phase === 'deks' ? 'DEKs' : 'intake keys';
    const line = `  rewrapping ${what}: ${p.done}/${p.total}`;
    if (tty) {
      process.stderr.write(`\r\x1b[2K${line}`);
      open = true;
      return;
    }
    const decile = p.total === 0 ? 10 : Math.floor((10 * p.done) / p.total);
    if (decile !== lastDecile || p.phase === 'intake-keys') process.stderr.write(`${line}\n`);
    lastDecile = p.phase === 'deks' ? decile : -1;
  };
  return Object.assign(print, {
    done: () => {
      if (open) process.stderr.write('\n');
      open = false;
    },
  });
}

export function registerVaultCommands(program: Command): void {
  const vault = program.command('vault').description('the vault key store: intake key, master key rotation, open counts');

  vault
    .command('intake-key')
    .description("print the processor's intake public key (created on first use) and its fingerprint")
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) =>
      run('intake-key', () =>
        withKeyStore(async (store) => {
          const key = await store.intakeKey();
          const publicKey = key.publicKey.toString('base64url');
          if (opts.json === true) {
            process.stdout.write(`${JSON.stringify({ publicKey, fingerprint: key.fingerprint, kekId: key.kekId, createdAt: key.createdAt, created: key.created })}\n`);
            return;
          }
          process.stdout.write(
            `intake public key (base64url, X25519; producers seal secrets to it):\n  ${publicKey}\n` +
              `fingerprint ${key.fingerprint}${key.created ? ' (created now)' : ''}; secret half wrapped by master key ${key.kekId}\n`,
          );
        }),
      ),
    );

  vault
    .command('rotate-kek')
    .description('rewrap every data key and the intake key under a new master key (resumable), then verify none is left under the old one')
    .requiredOption('--new-key-file <path>', 'the new master key: a file (chmod 600) holding 64 hex digits, e.g. `(umask 077; openssl rand -hex 32 > new.key)`')
    .option('--batch-size <n>', 'data keys per transaction (1..10000)', '500')
    .option('--json', 'print one JSON object when done (no progress)')
    .action((opts: { newKeyFile: string; batchSize: string; json?: boolean }) =>
      run('rotate-kek', async () => {
        const batchSize = parseBatchSize(opts.batchSize);
        const newKek = readMasterKeyFile(opts.newKeyFile, '--new-key-file');
        try {
          await withKeyStore(async (store, kek, config) => {
            if (newKek.id === kek.id) {
              throw new KeyStoreError('SAME_KEK', `--new-key-file holds the master key already in use (kekId ${kek.id}); give a different key`);
            }
            const source = masterKeySource(config);
            const progress = opts.json === true ? undefined : progressPrinter();
            if (progress !== undefined) process.stderr.write(`rotating from master key ${kek.id} to ${newKek.id}\n`);
            let result;
            try {
              result = await store.rotateKek(newKek, { batchSize, ...(progress === undefined ? {} : { onProgress: progress }) });
            } finally {
              progress?.done();
            }
            const switchTo =
              source.kind === 'dev-file'
                ? `replace ${source.file} with ${opts.newKeyFile} (keep mode 0600)`
                : source.kind === 'file'
                  ? `set ${MASTER_KEY_FILE_ENV}=${opts.newKeyFile} (now ${source.file})`
                  : `set ${MASTER_KEY_ENV} to the 64 hex digits in ${opts.newKeyFile}, or unset it and set ${MASTER_KEY_FILE_ENV}=${opts.newKeyFile}`;
            if (opts.json === true) {
              process.stdout.write(`${JSON.stringify({ ...result, verified: true, next: switchTo })}\n`);
              return;
            }
            process.stdout.write(
              `rewrapped ${result.rewrapped} data key(s) and ${result.intakeKeys} intake key(s) under master key ${result.newKekId}; ` +
                `verified that none is wrapped by ${result.oldKekId} any more.\n` +
                `Now switch every service to the new master key: ${switchTo}, and restart them. ` +
                'Until then they still use the old key and cannot unwrap the rewrapped keys; destroy the old key once all have restarted.\n',
            );
          });
        } finally {
          destroyKek(newKek);
        }
      }),
    );

  vault
    .command('open-counts')
    .description("how often each of a tenant's data keys was opened, and when last")
    .requiredOption('--tenant <id>', 'tenant id (UUID)')
    .option('--json', 'print a JSON array')
    .action((opts: { tenant: string; json?: boolean }) =>
      run('open-counts', async () => {
        // Counting needs no master key: only the database.
        const config = loadConfig();
        const pool = openPool({ connectionString: config.databaseUrl, max: 1, connectionTimeoutMillis: 10_000, application_name: 'palisade-vault' });
        try {
          const counts = await openCountsOf(pool, opts.tenant).catch((error: unknown) => {
            if (error instanceof KeyStoreError && error.code === 'INVALID_ARGUMENT') {
              throw new KeyStoreError('INVALID_ARGUMENT', `--tenant must be a lowercase canonical UUID, got "${opts.tenant}"`);
            }
            throw error;
          });
          if (opts.json === true) {
            process.stdout.write(`${JSON.stringify(counts)}\n`);
            return;
          }
          if (counts.length === 0) {
            process.stdout.write(`no data keys for tenant ${opts.tenant}\n`);
            return;
          }
          process.stdout.write(`${'kid'.padEnd(40)} ${'kv'.padStart(4)} ${'opens'.padStart(10)}  last opened\n`);
          for (const c of counts) {
            process.stdout.write(`${c.kid.padEnd(40)} ${String(c.kv).padStart(4)} ${String(c.opens).padStart(10)}  ${c.lastOpenedAt ?? 'never'}\n`);
          }
        } finally {
          await pool.end().catch(() => undefined);
        }
      }),
    );
}
