-- The chat worker's own state (issue 7; consumers/chat-worker/README.md "The memory index"):
--   memory_terms  the blind index of memories: per-(tenant, user) keyed term hashes, never a word
--                 in plaintext (consumers/chat-worker/memory-index.ts). Erasure deletes the rows.
--   positions     where the worker's consumer group is on each partition of the events topic
--                 (next offset to handle), stored after a batch is handled (at-least-once).
--   meta          the fingerprint of the index key the rows were hashed with, so a worker started
--                 with another key (a KEK rotation: the index key is derived from the master key)
--                 rebuilds the index instead of searching with hashes that can never match.
-- Only the migrating login (the worker's service login) uses this schema: no tenancy role
-- (owner, projector, writer, eraser, app, analysts, auditors, opener) gets any privilege, not
-- even USAGE on the schema, and PUBLIC's are revoked. Replaces MEMORY_INDEX_DDL/ensureMemoryIndex
-- (memory-index-sql.ts), which stays an idempotent `if not exists` for unit-level tests.
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

create table chat_index.positions (
  group_id text not null,
  topic text not null,
  partition integer not null check (partition >= 0),
  next_offset bigint not null check (next_offset >= 0),
  updated_at timestamptz not null default now(),
  primary key (group_id, topic, partition)
);
revoke all on table chat_index.positions from public;
comment on table chat_index.positions is 'The chat worker''s consumer positions on the events topic (consumers/chat-worker/service.ts).';

create table chat_index.meta (
  singleton boolean primary key default true check (singleton),
  -- hex BLAKE2b-128 of the index key under a fixed context: public, identifies the key
  index_key_id text not null check (index_key_id ~ '^[0-9a-f]{32}$'),
  updated_at timestamptz not null default now()
);
revoke all on table chat_index.meta from public;
