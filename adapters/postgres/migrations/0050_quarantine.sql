-- Quarantine, not crash (issue 12; docs/spec.md "Quarantine"; docs/adr/0009-quarantine-not-crash.md).
-- Every consumer of the events topic (the projector, a rebuild, the anchorer, the chat worker)
-- checks each tenant's chain before it uses an event (domain/tenant/run-check.ts). An anomaly
-- stops that tenant in that consumer, never the process:
--   quarantine.heads    per consumer and tenant, the last good event (seq, hash) and the
--                       stream position of the record that carried it; stored with the
--                       consumer's own position (the projector: in its batch transaction)
--   quarantine.records  every quarantine raised: the record it was raised on, the code and a
--                       detail (numbers and hashes, never content); one active per consumer and
--                       tenant; released by an operator (`palisade quarantine release`), which
--                       dismisses that record and has the consumer re-check from its head
-- Not tenant data: no app, analyst or auditor role has any privilege here. The projector's
-- writer role keeps both in its batch transaction; its login role reads them (start offsets,
-- releases). Other services use their own logins.
select set_config('role', tenancy.role_name('owner'), true);

create schema quarantine;
revoke all on schema quarantine from public;

create table quarantine.heads (
  consumer text not null check (consumer ~ '^[a-z][a-z0-9_:#,.-]{0,200}$'),
  tenant_id text not null check (length(tenant_id) between 1 and 64),
  seq bigint not null check (seq > 0),
  hash text not null check (hash ~ '^[0-9a-f]{64}$'),
  partition integer not null check (partition >= 0),
  event_offset bigint not null check (event_offset >= 0),
  updated_at timestamptz not null default now(),
  primary key (consumer, tenant_id)
);

create table quarantine.records (
  id bigint generated always as identity primary key,
  consumer text not null check (consumer ~ '^[a-z][a-z0-9_:#,.-]{0,200}$'),
  tenant_id text not null check (length(tenant_id) between 1 and 64),
  code text not null check (code ~ '^[A-Z][A-Z0-9_]{0,63}$'),
  detail text not null check (length(detail) <= 1000),
  partition integer not null check (partition >= 0),
  event_offset bigint not null check (event_offset >= 0),
  seq bigint,
  -- the last good event when it was raised (what a release resumes from); null: none yet
  head_seq bigint,
  quarantined_at timestamptz not null default now(),
  released_at timestamptz,
  released_by text check (length(released_by) <= 200),
  -- the consumer met the dismissed record again: the re-check has passed it
  resumed_at timestamptz
);
create unique index records_one_active on quarantine.records (consumer, tenant_id) where released_at is null;
create index records_pending_resume on quarantine.records (consumer) where released_at is not null and resumed_at is null;

do $$
declare
  projector name := tenancy.role_name('projector');
  writer name := tenancy.role_name('writer');
begin
  execute format('grant usage on schema quarantine to %I, %I', projector, writer);
  execute format('grant select on quarantine.heads, quarantine.records to %I', projector);
  execute format('grant select, insert, update on quarantine.heads to %I', writer);
  execute format('grant select, insert on quarantine.records to %I', writer);
  execute format('grant update (resumed_at) on quarantine.records to %I', writer);
end $$;

reset role;
