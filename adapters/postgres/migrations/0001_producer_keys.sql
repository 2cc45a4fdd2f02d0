-- Registered producer keys (DESIGN.md "Authentication and authorization"): every command is
-- signed with Ed25519 by one of these keys; the processor verifies it and fails closed.
create schema registry;

create table registry.producer_keys (
  key_id text primary key check (key_id ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  -- Raw 32-byte Ed25519 public key.
  public_key bytea not null check (length(public_key) = 32),
  -- Tenants this key may sign commands for; null means every tenant.
  tenants text[] null,
  can_create_tenants boolean not null default false,
  description text,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
