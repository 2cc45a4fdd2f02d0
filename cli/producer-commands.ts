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
    .option('--tenants <ids>', 'comma-separated tenant ids this key may act for')
    .option('--all-tenants', 'let this key act for every tenant (say so explicitly: there is no default)', false)
    .option('--can-create-tenants', 'allow CreateTenant with this key', false)
    .option('--actor-kinds <kinds>', 'actor kinds its commands may claim: user, service (default: user)')
    .option('--commands <types>', 'the only command types it may send, comma-separated (default: every user command; service commands such as RecordAssistantReply must be listed)')
    .option('--description <text>', 'what this key is for')
    .option('--out <file>', 'secret key file (default: <data dir>/keys/<id>.json)')
    .action(async (opts: { id: string; tenants?: string; allTenants: boolean; canCreateTenants: boolean; actorKinds?: string; commands?: string; description?: string; out?: string }) => {
      const config = loadConfig();
      if ((opts.tenants === undefined) === !opts.allTenants) throw new Error('say which tenants this key may act for: --tenants a,b or --all-tenants (exactly one)');
      const tenants = opts.tenants ? opts.tenants.split(',').map((t) => t.trim()) : null;
      for (const t of tenants ?? []) if (!isCanonicalUuid(t)) throw new Error(`--tenants: '${t}' is not a canonical UUID`);
      const list = (text: string | undefined) => (text === undefined ? undefined : text.split(',').map((t) => t.trim()).filter((t) => t.length > 0));
      const actorKinds = list(opts.actorKinds) as ('user' | 'service')[] | undefined;
      const commandTypes = list(opts.commands);
      const file = opts.out ?? join(config.dataDir, 'keys', `${opts.id}.json`);
      if (existsSync(file)) throw new Error(`${file} exists; refusing to overwrite a secret key`);
      const pair = generateSigningKeyPair();
      await withPool(config.databaseUrl, (pool) => registerProducerKey(pool, {
        keyId: opts.id, publicKey: pair.publicKey, tenants, canCreateTenants: opts.canCreateTenants, description: opts.description ?? null,
        ...(actorKinds === undefined ? {} : { actorKinds }), ...(commandTypes === undefined ? {} : { commandTypes }),
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
      const view = keys.map((k) => ({
        keyId: k.keyId, publicKey: k.publicKey.toString('base64'), tenants: k.tenants ?? 'all', canCreateTenants: k.canCreateTenants,
        actorKinds: k.actorKinds, commands: k.commandTypes ?? 'user commands', revoked: k.revokedAt !== null, description: k.description,
      }));
      if (opts.json) console.log(JSON.stringify(view));
      else for (const k of view) console.log(`${k.keyId}\t${k.revoked ? 'REVOKED' : 'active'}\ttenants=${Array.isArray(k.tenants) ? k.tenants.join(',') : k.tenants}\tcreate=${k.canCreateTenants}\tactors=${k.actorKinds.join(',')}\tcommands=${Array.isArray(k.commands) ? k.commands.join(',') : k.commands}\t${k.description ?? ''}`);
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
