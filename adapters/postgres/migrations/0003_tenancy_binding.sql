-- Tenancy, part 2: which tenant a session may see (docs/adr/0003-row-level-security.md).
-- Every read-model policy is written in terms of tenancy.current_tenant(), the one function
-- that answers it:
--   * an analyst login is bound by the login itself (tenancy_private.analysts, keyed by
--     session_user): no setting it can change moves it to another tenant;
--   * the app and projector roles are bound by tenancy.bind() for the current transaction only
--     (SET LOCAL semantics plus a transaction stamp, so a value left in a pooled session is
--     never honoured by a later transaction);
--   * anyone else (a group role reached with SET ROLE, the owner) is bound to nothing.
select set_config('role', tenancy.role_name('owner'), true);

create schema tenancy_private;

create table tenancy_private.analysts (
  role_name name primary key,
  tenant_id uuid not null,
  name text not null check (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  audit boolean not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
-- Unique per tenant: a duplicate name can only ever collide within the same tenant.
create unique index analysts_tenant_name_key on tenancy_private.analysts (tenant_id, name) where revoked_at is null;

alter table tenancy_private.analysts enable row level security;
alter table tenancy_private.analysts force row level security;

-- Identifies the current transaction within this session: a binding made by an earlier
-- transaction of the same pooled connection carries another stamp.
create function tenancy.transaction_stamp() returns text
  language sql stable parallel restricted
  set search_path = pg_catalog, pg_temp
  as $$ select pg_backend_pid()::text || '.' || (extract(epoch from transaction_timestamp()) * 1000000)::bigint::text $$;

-- The value bound by tenancy.bind() in THIS transaction, or null.
create function tenancy.bound_value(p_setting text) returns text
  language sql stable parallel restricted
  set search_path = pg_catalog, pg_temp
  as $$
    select case when split_part(v, '/', 1) = tenancy.transaction_stamp()
                then substr(v, length(split_part(v, '/', 1)) + 2) end
    from (select current_setting(p_setting, true) as v) s
  $$;

-- The tenant the current role may see, or null (then every policy hides every row).
create function tenancy.current_tenant() returns uuid
  language plpgsql stable parallel restricted
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    bound text;
    bound_tenant uuid;
  begin
    if current_user = tenancy.role_name('app') or current_user = tenancy.role_name('projector') then
      bound := tenancy.bound_value('palisade.tenant_id');
      -- A malformed binding binds nothing (and raises nothing that could echo a value).
      if bound ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
        return bound::uuid;
      end if;
      return null;
    end if;
    -- An analyst only as itself: after SET ROLE to a group, current_user <> session_user.
    if current_user = session_user then
      select a.tenant_id into bound_tenant from tenancy_private.analysts a
      where a.role_name = session_user and a.revoked_at is null;
      return bound_tenant;
    end if;
    return null;
  end $$;

-- The requesting user bound with the tenant (app role only): decides audit visibility.
create function tenancy.current_app_user() returns text
  language plpgsql stable parallel restricted
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    if current_user = tenancy.role_name('app') then
      return nullif(tenancy.bound_value('palisade.user_id'), '');
    end if;
    return null;
  end $$;

-- The application's binding, for this transaction only. Must run inside BEGIN … COMMIT; it
-- has no SET clause on purpose: set_config(…, true) must outlive the call.
create function tenancy.bind(p_tenant uuid, p_user text default null) returns void
  language plpgsql volatile
  as $$
  begin
    if p_tenant is null then
      raise exception 'tenancy.bind: a tenant is required' using errcode = '22004';
    end if;
    perform set_config('palisade.tenant_id', tenancy.transaction_stamp() || '/' || p_tenant::text, true);
    perform set_config('palisade.user_id', tenancy.transaction_stamp() || '/' || coalesce(p_user, ''), true);
  end $$;

reset role;

-- An analyst reads its own binding row, nothing else.
do $$
begin
  execute format('create policy analyst_reads_own_binding on tenancy_private.analysts for select to %I using (role_name = session_user)',
    tenancy.role_name('analysts'));
  execute format('grant usage on schema tenancy to %I, %I, %I, %I, %I, %I', tenancy.role_name('projector'), tenancy.role_name('writer'),
    tenancy.role_name('eraser'), tenancy.role_name('app'), tenancy.role_name('analysts'), tenancy.role_name('auditors'));
  execute format('grant select on tenancy.installation to %I, %I, %I, %I, %I, %I', tenancy.role_name('projector'), tenancy.role_name('writer'),
    tenancy.role_name('eraser'), tenancy.role_name('app'), tenancy.role_name('analysts'), tenancy.role_name('auditors'));
  execute format('grant usage on schema tenancy_private to %I', tenancy.role_name('analysts'));
  execute format('grant select on tenancy_private.analysts to %I', tenancy.role_name('analysts'));
  execute format('revoke all on function tenancy.bind(uuid, text) from public');
  execute format('grant execute on function tenancy.bind(uuid, text) to %I, %I', tenancy.role_name('app'), tenancy.role_name('projector'));
end $$;
