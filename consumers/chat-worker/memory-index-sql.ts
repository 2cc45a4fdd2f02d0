// The SQL of the memory blind index (memory-index.ts): schema `chat_index`, owned by the chat
// worker. No tenancy role (app, analysts, auditors, projector, …) has any privilege on it, and
// PUBLIC's are revoked, so only the role that created it (the worker's) can read term hashes.
//
// The schema is created by migration 0015_chat_index.sql (which also holds the worker's consumer
// positions and the index key's fingerprint); MEMORY_INDEX_DDL repeats its memory_terms part with
// `if not exists`, so ensureMemoryIndex is a no-op on a migrated database and only tests use it.
//
// Every statement is scoped by `tenant_id = $1 and user_id = $2` (the insert binds the two
// columns to $1 and $2); MEMORY_INDEX_TENANT_SQL.eraseTenant (TenantDeleted) deletes every row of
// ONE tenant (`tenant_id = $1`). No statement reads across users, and none deletes across tenants.
import type pg from '../../adapters/postgres/pg.ts';
import { inTransaction } from './transaction.ts';

export const MEMORY_INDEX_DDL = `
create schema if not exists chat_index;
revoke all on schema chat_index from public;
create table if not exists chat_index.memory_terms (
  tenant_id uuid not null,
  user_id   text not null,
  memory_id uuid not null,
  -- keyed term hashes (hex) with positions; never a word in plaintext
  terms     tsvector not null,
  primary key (tenant_id, user_id, memory_id)
);
revoke all on table chat_index.memory_terms from public;
comment on table chat_index.memory_terms is 'Blind index of chat memories: per-(tenant,user) keyed term hashes (consumers/chat-worker/memory-index.ts). Erasure deletes the rows.';
`;

export const MEMORY_INDEX_SQL = {
  index: `insert into chat_index.memory_terms (tenant_id, user_id, memory_id, terms)
          values ($1, $2, $3, $4::tsvector)
          on conflict (tenant_id, user_id, memory_id) do update set terms = excluded.terms`,
  forget: `delete from chat_index.memory_terms
           where tenant_id = $1 and user_id = $2 and memory_id = $3`,
  search: `select memory_id from chat_index.memory_terms
           where tenant_id = $1 and user_id = $2 and terms @@ $3::tsquery
           order by ts_rank(terms, $3::tsquery) desc, memory_id
           limit $4`,
  eraseAll: `delete from chat_index.memory_terms
             where tenant_id = $1 and user_id = $2`,
} as const;

/** The one statement over a whole tenant (TenantDeleted: every row of ONE tenant), kept apart from the per-user ones. */
export const MEMORY_INDEX_TENANT_SQL = {
  eraseTenant: `delete from chat_index.memory_terms where tenant_id = $1`,
} as const;

/** Any stable 64-bit number: serialises concurrent ensureMemoryIndex calls (CREATE … IF NOT EXISTS races). */
const CHAT_INDEX_LOCK = 0x63686174_69647800n;

/** Creates schema `chat_index` and its table if missing (idempotent, race-safe). */
export async function ensureMemoryIndex(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('select pg_advisory_xact_lock($1)', [CHAT_INDEX_LOCK.toString()]);
    await client.query(MEMORY_INDEX_DDL);
  });
}
