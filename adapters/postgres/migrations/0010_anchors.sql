-- Merkle anchors (DESIGN.md "Merkle trees and anchors"; issue 6). Written only by the anchorer
-- (projections/anchors); read by `palisade audit` and by each tenant's owners and admins.
create schema anchors;

-- The signed global anchors, in publication order (an outbox): a row is inserted 'pending' in the
-- same transaction as its checkpoints, then written to immutable storage ('stored', with the
-- receipt: S3 VersionId and SHA-256) and to the anchors topic ('published'). A restarted anchorer
-- finishes whatever is not 'published' before it anchors anything new.
-- No tenant_id: an anchor holds no tenant data, only the root over every tenant's checkpoint leaf
-- (a hash) and the number of leaves, and the same bytes are public in immutable storage.
create table anchors.anchors (
  anchor_seq bigint primary key check (anchor_seq >= 1),
  tree_size integer not null check (tree_size >= 1),
  root bytea not null check (length(root) = 32),
  -- The C2SP signed note, byte for byte as published, and its SHA-256.
  note text not null,
  note_sha256 bytea not null check (length(note_sha256) = 32),
  -- C2SP verifier key string of the key that signed the note.
  verifier_key text not null,
  state text not null check (state in ('pending', 'stored', 'published')),
  storage_kind text not null check (storage_kind in ('fs', 's3')),
  storage_location text not null,
  storage_key text not null,
  storage_version_id text,
  created_at timestamptz not null default now(),
  stored_at timestamptz,
  published_at timestamptz,
  check ((state = 'pending') = (stored_at is null)),
  check ((state = 'published') = (published_at is not null)),
  check (storage_kind = 'fs' or state = 'pending' or storage_version_id is not null)
);

-- One row per tenant checkpoint: the tenant's tree (size, root) when an anchor first included it,
-- with its inclusion proof in that anchor and the consistency proof from the tenant's previous
-- checkpoint (RFC 6962 §2.1.1, §2.1.2; hashes are 32 raw bytes each). Together they let a tenant
-- prove its history was only appended to without seeing any other tenant's data.
create table anchors.checkpoints (
  tenant_id uuid not null,
  tree_size bigint not null check (tree_size >= 1),
  root bytea not null check (length(root) = 32),
  anchor_seq bigint not null references anchors.anchors (anchor_seq),
  leaf_index integer not null check (leaf_index >= 0),
  inclusion_proof bytea[] not null,
  previous_size bigint not null check (previous_size >= 0 and previous_size < tree_size),
  consistency_proof bytea[] not null,
  primary key (tenant_id, tree_size),
  unique (tenant_id, anchor_seq)
);

-- The anchorer's resume state per tenant, as of its last checkpoint: the compact range (the
-- O(log n) subtree hashes of RFC 6962 tree [0, tree_size)) and the chain head, so a restart
-- continues each tree without re-reading the tenant's events.
create table anchors.tenant_trees (
  tenant_id uuid primary key,
  tree_size bigint not null check (tree_size >= 1),
  root bytea not null check (length(root) = 32),
  head_hash bytea not null check (length(head_hash) = 32),
  compact_range bytea[] not null,
  anchor_seq bigint not null references anchors.anchors (anchor_seq)
);

-- Where the anchorer's cut through the events topic is (the next offset per partition), stored
-- with the checkpoints it produced: restart resumes exactly after the last anchored event.
-- Internal bookkeeping without tenant data.
create table anchors.positions (
  topic text not null,
  partition integer not null check (partition >= 0),
  next_offset bigint not null check (next_offset >= 0),
  primary key (topic, partition)
);

-- Checkpoints are audit rows: never updated or deleted (DESIGN.md "Read models and Row-Level
-- Security"). An anchor row only moves forward pending → stored → published, filling in its
-- receipt once; its signed content never changes.
create function anchors.refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'anchors.%: rows are append-only (% refused)', tg_table_name, tg_op using errcode = 'insufficient_privilege';
end $$;

create trigger checkpoints_append_only before update or delete on anchors.checkpoints
  for each row execute function anchors.refuse_change();

create function anchors.anchor_moves_forward() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'anchors.anchors: rows are never deleted' using errcode = 'insufficient_privilege';
  end if;
  if (new.anchor_seq, new.tree_size, new.root, new.note, new.note_sha256, new.verifier_key, new.storage_kind, new.storage_location, new.storage_key)
     is distinct from (old.anchor_seq, old.tree_size, old.root, old.note, old.note_sha256, old.verifier_key, old.storage_kind, old.storage_location, old.storage_key)
     or (old.storage_version_id is not null and new.storage_version_id is distinct from old.storage_version_id)
     or (old.state = 'stored' and new.state = 'pending')
     or (old.state = 'published' and new.state <> 'published') then
    raise exception 'anchors.anchors: anchor % may only move forward (pending → stored → published)', old.anchor_seq using errcode = 'insufficient_privilege';
  end if;
  return new;
end $$;

create trigger anchors_move_forward before update or delete on anchors.anchors
  for each row execute function anchors.anchor_moves_forward();

-- Row-Level Security (DESIGN.md): tenant rows are visible to that tenant only. Enabled and forced
-- here, so until a policy exists no role subject to RLS sees any row (the anchorer writes as a
-- role that bypasses RLS).
-- TODO(issue 4): add the policy once the read-models migrations define the current-tenant
-- function and the owner/admin roles, e.g.
--   create policy tenant_owners_read on anchors.checkpoints for select
--     using (tenant_id = <current tenant function>() and <caller is owner or admin>);
-- and grant select on anchors.checkpoints, anchors.anchors to the tenant-admin role.
alter table anchors.checkpoints enable row level security;
alter table anchors.checkpoints force row level security;
alter table anchors.tenant_trees enable row level security;
alter table anchors.tenant_trees force row level security;
