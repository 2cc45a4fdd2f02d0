import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import pg from '../adapters/postgres/pg.ts';
import { loadConfig } from '../deploy/config/config.ts';
import { generateSigningKeyPair } from '../crypto/ed25519.ts';
import { writeSigningKeyFile } from '../crypto/key-file.ts';
import { zero } from '../crypto/secure-memory.ts';
import { isCanonicalUuid } from '../domain/validation.ts';
import { KEY_ID_PATTERN, listProducerKeys, registerProducerKey, revokeProducerKey } from '../producers/key-registry.ts';
import { openPool } from '../adapters/postgres/pool.ts';

export function registerProducerCommands(program: Command): void {
  const producers = program.command('producers').description('register, list and revoke the Ed25519 keys upstream services sign commands with');

  producers
    .command('register')
    .description('generate a key pair, register its public key, write the secret key file (0600)')
    .requiredOption('--id <keyId>', `key id (${KEY_ID_PATTERN})`)
    .option('--tenants <ids>', 'comma-separated tenant ids this key may act for (default: every tenant)')
    .option('--can-create-tenants', 'allow CreateTenant with this key', false)
    .option('--description <text>', 'what this key is for')
    .option('--out <file>', 'secret key file (default: <data dir>/keys/<id>.json)')
    .action(async (opts: { id: string; tenants?: string; canCreateTenants: boolean; description?: string; out?: string }) => {
      const config = loadConfig();
      const tenants = opts.tenants ? opts.tenants.split(',').map((t) => t.trim()) : null;
      for (const t of tenants ?? []) if (!isCanonicalUuid(t)) throw new Error(`--tenants: '${t}' is not a canonical UUID`);
      const file = opts.out ?? join(config.dataDir, 'keys', `${opts.id}.json`);
      if (existsSync(file)) throw new Error(`${file} exists; refusing to overwrite a secret key`);
      const pair = generateSigningKeyPair();
      await withPool(config.databaseUrl, (pool) => registerProducerKey(pool, {
        keyId: opts.id, publicKey: pair.publicKey, tenants, canCreateTenants: opts.canCreateTenants, description: opts.description ?? null,
      }));
      writeSigningKeyFile(file, opts.id, pair.secretKey);
      zero(pair.secretKey);
      console.log(`registered producer key '${opts.id}' (public ${pair.publicKey.toString('base64')}); secret key written to ${file}`);
    });

  producers
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const keys = await withPool(loadConfig().databaseUrl, listProducerKeys);
      const view = keys.map((k) => ({ keyId: k.keyId, publicKey: k.publicKey.toString('base64'), tenants: k.tenants ?? 'all', canCreateTenants: k.canCreateTenants, revoked: k.revokedAt !== null, description: k.description }));
      if (opts.json) console.log(JSON.stringify(view));
      else for (const k of view) console.log(`${k.keyId}\t${k.revoked ? 'REVOKED' : 'active'}\ttenants=${Array.isArray(k.tenants) ? k.tenants.join(',') : k.tenants}\tcreate=${k.canCreateTenants}\t${k.description ?? ''}`);
    });

  producers
    .command('revoke')
    .requiredOption('--id <keyId>')
    .action(async (opts: { id: string }) => {
      const revoked = await withPool(loadConfig().databaseUrl, (pool) => revokeProducerKey(pool, opts.id));
      if (!revoked) throw new Error(`no active producer key '${opts.id}'`);
      console.log(`revoked '${opts.id}'; processors refuse it within their refresh interval (5 s)`);
    });
}

async function withPool<T>(databaseUrl: string, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = openPool({ connectionString: databaseUrl, max: 1 });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}
