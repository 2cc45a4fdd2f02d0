-- The vault's key store (issue 5; DESIGN.md "Credentials and keys"; keystore/README.md): data
-- keys (DEKs) wrapped by the master key (KEK), tombstones of erased owners and destroyed key
-- versions, the processor's intake key pair (secret half wrapped by the KEK), and how often each
-- DEK was opened. Never in Kafka, never in a read model: only the processor and the operator's
-- `palisade vault …` (the migrating login) use this schema. No tenancy role gets anything here,
-- not even USAGE on the schema (test/keystore/privileges.int.test.ts).
create schema vault;
revoke all on schema vault from public;

-- One row per DEK version: vault/key-wrap.ts WrappedDek. A user's DEK has kid `dek-<userId>`.
-- The wrapping AAD covers { kekId, kid, kv, owner }, so a row edited to name another owner or
-- version no longer unwraps. Destroying a DEK deletes its row (crypto-shredding); backups expire.
create table vault.deks (
  tenant_id uuid not null,
  kid text not null check (kid ~ '^[A-Za-z0-9._:@-]{1,160}$'),
  kv integer not null check (kv >= 1),
  owner_kind text not null check (owner_kind in ('tenant', 'user')),
  user_id text check (user_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$'),
  -- Public fingerprint of the KEK that wraps it (keyed BLAKE2b-128, hex): what rotation scans for.
  kek_id text not null check (kek_id ~ '^[0-9a-f]{32}$'),
  nonce bytea not null check (length(nonce) = 24),
  -- XChaCha20-Poly1305 of the 32-byte DEK plus the 16-byte tag.
  ciphertext bytea not null check (length(ciphertext) = 48),
  created_at timestamptz not null default now(),
  primary key (tenant_id, kid, kv),
  check ((owner_kind = 'user') = (user_id is not null))
);
create index deks_user on vault.deks (tenant_id, user_id) where user_id is not null;

-- Tombstones: an erased user (user_id set) or a deleted tenant (user_id null). No DEK is created
-- for a tombstoned owner again, e.g. by a zombie processor still handling an older command.
create table vault.destroyed_owners (
  tenant_id uuid not null,
  user_id text check (user_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$'),
  destroyed_at timestamptz not null default now(),
  unique nulls not distinct (tenant_id, user_id)
);

-- Tombstones of single DEK versions destroyed while their owner lives on (key rotation retiring a
-- version): that (kid, kv) is never created again with other key bytes.
create table vault.destroyed_keys (
  tenant_id uuid not null,
  kid text not null check (kid ~ '^[A-Za-z0-9._:@-]{1,160}$'),
  kv integer not null check (kv >= 1),
  destroyed_at timestamptz not null default now(),
  primary key (tenant_id, kid, kv)
);

-- The processor's intake key pair (crypto_box_seal): producers seal secrets to public_key. The
-- secret key is XChaCha20-Poly1305 under the KEK with its own AAD context
-- ("palisade/intake-key-wrap/v1", keystore/intake-wrap.ts). Exactly one row is active.
create table vault.intake_keys (
  id bigint generated always as identity primary key,
  public_key bytea not null unique check (length(public_key) = 32),
  kek_id text not null check (kek_id ~ '^[0-9a-f]{32}$'),
  nonce bytea not null check (length(nonce) = 24),
  ciphertext bytea not null check (length(ciphertext) = 48),
  created_at timestamptz not null default now(),
  active boolean not null default true
);
create unique index intake_keys_one_active on vault.intake_keys (active) where active;

-- How often each DEK version was opened (unsealed), and when last. Goes with its DEK.
create table vault.open_counts (
  tenant_id uuid not null,
  kid text not null,
  kv integer not null,
  opens bigint not null default 0 check (opens >= 0),
  last_opened_at timestamptz not null default now(),
  primary key (tenant_id, kid, kv),
  foreign key (tenant_id, kid, kv) references vault.deks (tenant_id, kid, kv) on delete cascade
);

-- Belt and braces: nothing here is granted to anyone (the owner is the migrating login).
revoke all on all tables in schema vault from public;
revoke all on all sequences in schema vault from public;
