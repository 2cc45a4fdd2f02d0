// The memory blind index against real PostgreSQL: a user's search finds only that user's
// memories (never another user's or another tenant's, even for identical words), ranks by term
// frequency, forget and eraseAll remove rows, no plaintext term is stored, and a role without
// grants (PUBLIC's privileges are revoked) cannot even reach the schema.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMemoryIndex } from '../../consumers/chat-worker/memory-index-sql.ts';
import { MemoryIndex } from '../../consumers/chat-worker/memory-index.ts';
import { maintenanceUrl, withClient } from '../../adapters/postgres/database.ts';
import { openPool } from '../../adapters/postgres/pool.ts';
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import { randomPassword, scramSha256Verifier } from '../../projections/tenancy/scram.ts';
import { createTestDatabase, type TestDatabase } from '../support/stack.ts';

let db: TestDatabase;
let pool: pg.Pool;
let index: MemoryIndex;
const indexKey = randomBytes(32);
const T1 = randomUUID();
const T2 = randomUUID();
const probeRole = `chat_probe_${randomBytes(6).toString('hex')}`;
let probeUrl = '';

beforeAll(async () => {
  db = await createTestDatabase();
  pool = openPool({ connectionString: db.url, max: 4 });
  await ensureMemoryIndex(pool);
  await ensureMemoryIndex(pool); // idempotent
  index = new MemoryIndex(pool, indexKey);
  const password = randomPassword();
  // A fresh login with CONNECT on this database (the tenancy migration revokes it from PUBLIC)
  // and nothing else: what any role gets on chat_index through PUBLIC.
  await withClient(db.url, async (client) => {
    await client.query(`create role ${quoteIdent(probeRole)} login password '${scramSha256Verifier(password)}'`);
    await client.query(`grant connect on database ${quoteIdent(db.name)} to ${quoteIdent(probeRole)}`);
  });
  const url = new URL(db.url);
  url.username = probeRole;
  url.password = password;
  probeUrl = url.toString();
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await withClient(maintenanceUrl(db.url), (client) => client.query(`drop role if exists ${quoteIdent(probeRole)}`)).catch(() => undefined);
});

describe('memory index', () => {
  it("finds a user's memories by word, best match first", async () => {
    const alice = index.scope(T1, 'alice');
    const tea = randomUUID();
    const teaTwice = randomUUID();
    const bikes = randomUUID();
    await alice.index(tea, 'I like green tea in the morning');
    await alice.index(teaTwice, 'Tea, tea: oolong tea is my favourite');
    await alice.index(bikes, 'My bike is a blue road bike');
    // More occurrences of a term rank higher; more distinct terms matched rank higher still.
    expect(await alice.search('TEA?', 10)).toEqual([teaTwice, tea]);
    expect(await alice.search('what tea do I like?', 10)).toEqual([tea, teaTwice]);
    expect(await alice.search('bike', 10)).toEqual([bikes]);
    expect(await alice.search('submarine', 10)).toEqual([]);
    expect(await alice.search('the and of', 10)).toEqual([]);
    expect(await alice.search('tea', 1)).toEqual([teaTwice]);
  });

  it("never returns another user's or another tenant's memory, even for identical words", async () => {
    const words = 'secret project falcon launch codes';
    const mine = randomUUID();
    const bobs = randomUUID();
    const otherTenant = randomUUID();
    const me = index.scope(T1, 'carol');
    await me.index(mine, words);
    await index.scope(T1, 'bob').index(bobs, words);
    await index.scope(T2, 'carol').index(otherTenant, words);
    expect(await me.search('falcon', 10)).toEqual([mine]);
    expect(await index.scope(T1, 'bob').search('falcon', 10)).toEqual([bobs]);
    expect(await index.scope(T2, 'carol').search('falcon', 10)).toEqual([otherTenant]);
    expect(await index.scope(T2, 'bob').search('falcon', 10)).toEqual([]);
    // The same memory id under another user is another row: indexing it there changes nothing here.
    await index.scope(T1, 'bob').index(mine, 'unrelated words entirely');
    expect(await me.search('falcon', 10)).toEqual([mine]);
  });

  it('stores no word in plaintext, and the same word differently per user', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await index.scope(T1, 'dave').index(a, 'zebra');
    await index.scope(T1, 'erin').index(b, 'zebra');
    const { rows } = await pool.query<{ memory_id: string; terms: string }>('select memory_id, terms::text as terms from chat_index.memory_terms where memory_id = any($1)', [[a, b]]);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.terms).not.toContain('zebra');
      expect(row.terms).toMatch(/^'[0-9a-f]{32}':1$/);
    }
    expect(rows[0]!.terms).not.toBe(rows[1]!.terms);
  });

  it('re-indexing a memory replaces its terms', async () => {
    const scope = index.scope(T1, 'frank');
    const id = randomUUID();
    await scope.index(id, 'apples');
    await scope.index(id, 'pears');
    expect(await scope.search('apples', 10)).toEqual([]);
    expect(await scope.search('pears', 10)).toEqual([id]);
  });

  it('forget removes one memory of this user only', async () => {
    const gina = index.scope(T1, 'gina');
    const hank = index.scope(T1, 'hank');
    const keep = randomUUID();
    const drop = randomUUID();
    await gina.index(keep, 'violin lessons');
    await gina.index(drop, 'violin repair');
    await hank.index(drop, 'violin concert');
    expect(await gina.forget(drop)).toBe(true);
    expect(await gina.forget(drop)).toBe(false);
    expect(await gina.search('violin', 10)).toEqual([keep]);
    expect(await hank.search('violin', 10)).toEqual([drop]);
  });

  it('eraseAll removes every memory of this user and nobody else', async () => {
    const ivy = index.scope(T2, 'ivy');
    const jack = index.scope(T2, 'jack');
    const ivyOtherTenant = index.scope(T1, 'ivy');
    for (let i = 0; i < 3; i += 1) await ivy.index(randomUUID(), `garden note ${i}`);
    const jacks = randomUUID();
    const elsewhere = randomUUID();
    await jack.index(jacks, 'garden shed');
    await ivyOtherTenant.index(elsewhere, 'garden party');
    expect(await ivy.eraseAll()).toBe(3);
    expect(await ivy.search('garden', 10)).toEqual([]);
    expect(await jack.search('garden', 10)).toEqual([jacks]);
    expect(await ivyOtherTenant.search('garden', 10)).toEqual([elsewhere]);
    const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from chat_index.memory_terms where tenant_id = $1 and user_id = $2', [T2, 'ivy']);
    expect(rows[0]!.n).toBe(0);
  });

  it('another index key finds nothing (term hashes are keyed)', async () => {
    const id = randomUUID();
    await index.scope(T1, 'kim').index(id, 'kayak');
    expect(await new MemoryIndex(pool, randomBytes(32)).scope(T1, 'kim').search('kayak', 10)).toEqual([]);
  });
});

describe('chat_index privileges', () => {
  async function errorAs(sql: string): Promise<pg.DatabaseError> {
    const client = new pg.Client({ connectionString: probeUrl, connectionTimeoutMillis: 10_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(sql);
    } catch (error) {
      return error as pg.DatabaseError;
    } finally {
      await client.end().catch(() => undefined);
    }
    throw new Error(`expected "${sql}" to fail`);
  }

  it('a login role without grants is refused (PUBLIC has nothing)', async () => {
    for (const sql of ['select * from chat_index.memory_terms', "delete from chat_index.memory_terms where user_id = 'alice'", 'create table chat_index.x (a int)']) {
      const error = await errorAs(sql);
      expect(error.code).toBe('42501'); // insufficient_privilege
      expect(error.message).toBe('permission denied for schema chat_index');
    }
  });

  it('PUBLIC holds no privilege on the schema or the table', async () => {
    const { rows } = await pool.query<{ schema_usage: boolean; table_select: boolean }>(
      `select has_schema_privilege('public', 'chat_index', 'usage') as schema_usage,
              exists (select 1 from information_schema.role_table_grants where table_schema = 'chat_index' and grantee = 'PUBLIC') as table_select`,
    );
    expect(rows[0]).toEqual({ schema_usage: false, table_select: false });
  });
});
