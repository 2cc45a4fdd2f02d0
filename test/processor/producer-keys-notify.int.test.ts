// Issue 12 finding 8: any database login can NOTIFY the key registry's channel and LISTEN on it.
// A flood of notifications must not turn into a flood of registry reloads, and a listener must
// not learn key ids as they are registered or revoked.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPool } from '../../adapters/postgres/pool.ts';
import { PgProducerKeyRegistry } from '../../consumers/command-processor/producer-keys.ts';
import { generateSigningKeyPair } from '../../crypto/ed25519.ts';
import { PRODUCER_KEYS_CHANNEL, registerProducerKey, revokeProducerKey } from '../../producers/key-registry.ts';
import { createTestDatabase, type TestDatabase } from '../support/stack.ts';

describe('the producer-key registry channel', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = openPool({ connectionString: db.url, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('coalesces a flood of 2,000 notifications into at most two reloads', async () => {
    const registry = new PgProducerKeyRegistry(pool);
    const errors: unknown[] = [];
    await registry.listen(db.url, (e) => errors.push(e));
    const flooder = new pg.Client({ connectionString: db.url });
    await flooder.connect();
    try {
      // Distinct payloads, so PostgreSQL delivers every one of them.
      await flooder.query(`SELECT pg_notify('${PRODUCER_KEYS_CHANNEL}', 'flood-' || i) FROM generate_series(1, 2000) AS i`);
      const deadline = Date.now() + 10_000;
      while (registry.reloadCount === 0 && Date.now() < deadline) await sleep(20);
      await sleep(500); // every notification has arrived by now; let the pending reload finish
      expect(registry.reloadCount).toBeGreaterThanOrEqual(1);
      expect(registry.reloadCount).toBeLessThanOrEqual(2);
      expect(errors).toStrictEqual([]);
    } finally {
      await flooder.end();
      await registry.close();
    }
  });

  it('still picks up a real registration announced on the channel', async () => {
    const registry = new PgProducerKeyRegistry(pool);
    await registry.listen(db.url, () => undefined);
    try {
      const pair = generateSigningKeyPair();
      await registerProducerKey(pool, { keyId: 'late-key', publicKey: pair.publicKey, tenants: [], canCreateTenants: false, description: null });
      const deadline = Date.now() + 10_000;
      while (registry.get('late-key') === undefined && Date.now() < deadline) await sleep(20);
      expect(registry.get('late-key')?.revoked).toBe(false);
    } finally {
      await registry.close();
    }
  });

  it('announces registrations and revocations without the key id', async () => {
    const listener = new pg.Client({ connectionString: db.url });
    const payloads: string[] = [];
    listener.on('notification', (n) => payloads.push(n.payload ?? ''));
    await listener.connect();
    try {
      await listener.query(`LISTEN ${PRODUCER_KEYS_CHANNEL}`);
      const pair = generateSigningKeyPair();
      await registerProducerKey(pool, { keyId: 'secret-name-7', publicKey: pair.publicKey, tenants: [], canCreateTenants: false, description: null });
      await revokeProducerKey(pool, 'secret-name-7');
      const deadline = Date.now() + 10_000;
      while (payloads.length < 2 && Date.now() < deadline) await sleep(20);
      expect(payloads).toStrictEqual(['', '']);
    } finally {
      await listener.end();
    }
  });
});
