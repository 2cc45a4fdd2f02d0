-- Read models of sources, provider keys and secrets, and user erasure (issue 5;
-- docs/adr/0005-vault-read-models.md):
--   sources         one row per data source: metadata, never a credential
--   source_queries  every query authorized on a source (hash and limits, never the text)
--   provider_keys   each user's BYOK keys: the display mask, never the key; visible to that user only
--   secrets         the current sealed value of each secret, for the vault opener (role `opener`)
--                   only: no app, analyst or auditor role has any privilege on it
-- and projection_meta.erase_user, the reviewed path that removes a user's rows (UserErased) and
-- redacts the audit rows that name them.

-- The vault opener's role (same rules as migration 0002: per database, marked, no attributes).
-- It reads `internal.secrets` and nothing else; operators give it LOGIN, or the service
-- connects with its own login and `-c role=<prefix>_opener` (projections/models/secrets-reader.ts).
do $$
declare
  marker constant text := 'palisade role of database ' || current_database();
  role name := tenancy.role_name('opener');
  existing oid;
begin
  select r.oid into existing from pg_roles r where r.rolname = role;
  if existing is null then
    execute format('create role %I nologin', role);
  elsif shobj_description(existing, 'pg_authid') is distinct from marker then
    raise exception 'role % already exists and belongs to another database', role
      using errcode = 'PA001', hint = 'drop that role, or rename this database';
  end if;
  execute format('alter role %I nologin nosuperuser nocreatedb nocreaterole noreplication nobypassrls', role);
  execute format('comment on role %I is %L', role, marker);
  execute format('grant connect on database %I to %I', current_database(), role);
end $$;

alter table projection_meta.models drop constraint models_reader_kinds_check;
alter table projection_meta.models add constraint models_reader_kinds_check
  check (reader_kinds <@ array['app', 'analysts', 'auditors', 'opener']);

select set_config('role', tenancy.role_name('owner'), true);

-- As in migration 0004, except that a table may have no tenant-wide reader policy (empty
-- p_reader_kinds): its model then adds narrower policies of its own (own rows only, opener).
create or replace function projection_meta.secure_tenant_table(p_table regclass, p_reader_kinds text[], p_audit boolean)
  returns void language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    readers text;
    writer name := tenancy.role_name('writer');
    eraser name := tenancy.role_name('eraser');
  begin
    if not exists (select 1 from pg_attribute a where a.attrelid = p_table and a.attname = 'tenant_id'
                   and a.atttypid = 'uuid'::regtype and a.attnotnull and not a.attisdropped) then
      raise exception 'read-model table % has no "tenant_id uuid not null" column', p_table using errcode = 'PA422';
    end if;
    select string_agg(quote_ident(tenancy.role_name(k)), ', ' order by k) into readers from unnest(p_reader_kinds) k;
    execute format('alter table %s enable row level security', p_table);
    execute format('alter table %s force row level security', p_table);
    if readers is not null then
      -- (select …) makes each function an InitPlan, evaluated once per query, not per row.
      execute format('create policy tenant_isolation on %s for select to %s using (tenant_id = (select tenancy.current_tenant())%s)',
        p_table, readers, case when p_audit then ' and (select tenancy.may_read_audit())' else '' end);
    end if;
    execute format('create policy projector_writes on %s for all to %I using (true) with check (true)', p_table, writer);
    execute format('create policy tenant_erasure on %s for all to %I using (true)', p_table, eraser);
    if p_audit then
      execute format('grant select, insert on %s to %I', p_table, writer);
      execute format('create trigger audit_rows_are_append_only before update or delete on %s '
                     'for each row execute function projection_meta.forbid_audit_change()', p_table);
      execute format('create trigger audit_rows_are_never_truncated before truncate on %s '
                     'for each statement execute function projection_meta.forbid_audit_change()', p_table);
    else
      execute format('grant select, insert, update on %s to %I', p_table, writer);
    end if;
    execute format('grant select, delete on %s to %I', p_table, eraser);
  end $$;

-- Audit rows still never change and leave only with their tenant; the one exception is
-- erase_user (owned by the eraser, a role nobody can log in as or SET ROLE to): it may redact
-- the columns that name a user (actor_id, target, summary) and nothing else — every other column
-- stays as it was, an actor or target it touches becomes '[erased]', and a summary it touches
-- says '[erased]' where the user was.
create or replace function projection_meta.forbid_audit_change() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    redactable constant text[] := array['actor_id', 'target', 'summary'];
  begin
    if current_user = tenancy.role_name('eraser') then
      if tg_op = 'DELETE' then
        return old;
      end if;
      if tg_op = 'UPDATE'
         and to_jsonb(new) - redactable = to_jsonb(old) - redactable
         and (to_jsonb(new) ->> 'actor_id' is not distinct from to_jsonb(old) ->> 'actor_id' or to_jsonb(new) ->> 'actor_id' = '[erased]')
         and (to_jsonb(new) ->> 'target' is not distinct from to_jsonb(old) ->> 'target' or to_jsonb(new) ->> 'target' = '[erased]')
         and (to_jsonb(new) ->> 'summary' is not distinct from to_jsonb(old) ->> 'summary' or strpos(to_jsonb(new) ->> 'summary', '[erased]') > 0) then
        return new;
      end if;
    end if;
    raise exception 'audit rows cannot be changed or removed (% on %)', tg_op, tg_table_name
      using errcode = 'PA403', hint = 'audit rows leave only with their tenant (TenantDeleted); erase_user only redacts a user (UserErased)';
  end $$;

-- The audit table of every new generation: as in migration 0007, plus the eraser's column
-- privilege for erase_user's redaction (the trigger above limits it further).
create or replace function projection_meta.audit_create_tables(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create table %1$I.audit_log (
        tenant_id uuid not null,
        seq bigint not null check (seq > 0),
        event_id uuid not null,
        type text not null,
        schema_version integer not null,
        actor_kind text not null check (actor_kind in ('user', 'service', 'system')),
        actor_id text not null,
        -- Whom the event is about (a member's user id), when it is about someone.
        target text,
        occurred_at timestamptz not null,
        command_id uuid not null,
        hash text not null check (hash ~ '^[0-9a-f]{64}$'),
        prev_hash text not null check (prev_hash ~ '^[0-9a-f]{64}$'),
        summary text not null,
        primary key (tenant_id, seq)
      )$ddl$, p_schema);
    perform projection_meta.secure_tenant_table(format('%I.audit_log', p_schema)::regclass, array['app', 'auditors'], true);
    execute format('grant update (actor_id, target, summary) on %I.audit_log to %I', p_schema, tenancy.role_name('eraser'));
  end $$;

-- The audit tables that exist already get the same privilege.
do $$
declare g record;
begin
  for g in select schema_name from projection_meta.generations where model = 'audit' order by generation loop
    execute format('grant update (actor_id, target, summary) on %I.audit_log to %I', g.schema_name, tenancy.role_name('eraser'));
  end loop;
end $$;

-- The app's bound user is an active owner or admin of the bound tenant: they see every source
-- and every authorized query of the tenant (never another user's provider keys).
create function tenancy.app_user_manages_tenant() returns boolean
  language plpgsql stable parallel restricted
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    if current_user = tenancy.role_name('app') then
      return exists (
        select 1 from analytics.members m
        where m.tenant_id = tenancy.current_tenant() and m.user_id = tenancy.current_app_user()
          and m.status = 'active' and m.role in ('owner', 'admin'));
    end if;
    return false;
  end $$;

-- Views for Palisade's own services, never for people: only the opener has USAGE here.
create schema internal;

-- Read model "sources" (projections/models/sources.ts).
create function projection_meta.sources_create_tables(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create table %1$I.sources (
        tenant_id uuid not null,
        source_id text not null,
        -- The user who connected it: the only one who may use it.
        owner_id text not null,
        kind text not null,
        name text not null,
        status text not null check (status in ('connected', 'disconnected')),
        credential_version integer not null check (credential_version > 0),
        credential_format text not null check (credential_format in ('v2', 'legacy')),
        connected_at timestamptz not null,
        rotated_at timestamptz,
        disconnected_at timestamptz,
        disconnected_by text check (disconnected_by in ('owner', 'admin')),
        last_query_at timestamptz,
        queries_authorized bigint not null check (queries_authorized >= 0),
        last_seq bigint not null check (last_seq > 0),
        primary key (tenant_id, source_id)
      )$ddl$, p_schema);
    execute format('create index sources_owner on %I.sources (tenant_id, owner_id)', p_schema);
    -- Analysts: every source of their tenant. The app: the bound user's own, or all of them
    -- when that user is an owner or admin of the tenant.
    perform projection_meta.secure_tenant_table(format('%I.sources', p_schema)::regclass, array['analysts'], false);
    execute format('create policy owner_or_manager on %I.sources for select to %I using (tenant_id = (select tenancy.current_tenant()) '
                   'and (owner_id = (select tenancy.current_app_user()) or (select tenancy.app_user_manages_tenant())))',
      p_schema, tenancy.role_name('app'));
  end $$;

create function projection_meta.sources_define_views(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create or replace view analytics.sources with (security_invoker = true) as
      select tenant_id, source_id, owner_id, kind, name, status, credential_version, credential_format,
             connected_at, rotated_at, disconnected_at, disconnected_by, last_query_at, queries_authorized, last_seq
      from %1$I.sources$ddl$, p_schema);
    execute format('grant select on analytics.sources to %I, %I', tenancy.role_name('app'), tenancy.role_name('analysts'));
  end $$;

insert into projection_meta.models (name, create_tables, define_views, reader_kinds)
values ('sources', 'projection_meta.sources_create_tables(name)', 'projection_meta.sources_define_views(name)', array['app', 'analysts']);

-- Read model "source_queries" (projections/models/source-queries.ts): an access log, so read
-- like the audit log — analysts only with --audit — plus, in the app, the source's owner.
create function projection_meta.source_queries_create_tables(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create table %1$I.source_queries (
        tenant_id uuid not null,
        seq bigint not null check (seq > 0),
        source_id text not null,
        owner_id text not null,
        -- Lowercase hex SHA-256 of the query text; the text itself never reaches Palisade.
        query_hash text not null,
        max_rows bigint not null check (max_rows >= 0),
        max_bytes bigint not null check (max_bytes >= 0),
        authorized_at timestamptz not null,
        primary key (tenant_id, seq)
      )$ddl$, p_schema);
    execute format('create index source_queries_source on %I.source_queries (tenant_id, source_id)', p_schema);
    execute format('create index source_queries_owner on %I.source_queries (tenant_id, owner_id)', p_schema);
    perform projection_meta.secure_tenant_table(format('%I.source_queries', p_schema)::regclass, array['auditors'], false);
    execute format('create policy owner_or_manager on %I.source_queries for select to %I using (tenant_id = (select tenancy.current_tenant()) '
                   'and (owner_id = (select tenancy.current_app_user()) or (select tenancy.app_user_manages_tenant())))',
      p_schema, tenancy.role_name('app'));
  end $$;

create function projection_meta.source_queries_define_views(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create or replace view analytics.source_queries with (security_invoker = true) as
      select tenant_id, seq, source_id, owner_id, query_hash, max_rows, max_bytes, authorized_at
      from %1$I.source_queries$ddl$, p_schema);
    execute format('grant select on analytics.source_queries to %I, %I', tenancy.role_name('app'), tenancy.role_name('auditors'));
  end $$;

insert into projection_meta.models (name, create_tables, define_views, reader_kinds)
values ('source_queries', 'projection_meta.source_queries_create_tables(name)', 'projection_meta.source_queries_define_views(name)', array['app', 'auditors']);

-- Read model "provider_keys" (projections/models/provider-keys.ts): BYOK keys are private to
-- their user. No tenant-wide policy: the app sees the bound user's own keys, nobody else sees
-- any (not a tenant owner, not an analyst). The writer deletes a key's row (ProviderKeyDeleted).
create function projection_meta.provider_keys_create_tables(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create table %1$I.provider_keys (
        tenant_id uuid not null,
        user_id text not null,
        provider text not null,
        -- Display mask only (prefix and last four): never the key, never a ciphertext.
        mask text not null,
        version integer not null check (version > 0),
        format text not null check (format in ('v2', 'legacy')),
        stored_at timestamptz not null,
        rotated_at timestamptz,
        last_seq bigint not null check (last_seq > 0),
        primary key (tenant_id, user_id, provider)
      )$ddl$, p_schema);
    perform projection_meta.secure_tenant_table(format('%I.provider_keys', p_schema)::regclass, array[]::text[], false);
    execute format('create policy own_keys_only on %I.provider_keys for select to %I using (tenant_id = (select tenancy.current_tenant()) '
                   'and user_id = (select tenancy.current_app_user()))', p_schema, tenancy.role_name('app'));
    execute format('grant delete on %I.provider_keys to %I', p_schema, tenancy.role_name('writer'));
  end $$;

create function projection_meta.provider_keys_define_views(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create or replace view analytics.provider_keys with (security_invoker = true) as
      select tenant_id, user_id, provider, mask, version, format, stored_at, rotated_at, last_seq
      from %1$I.provider_keys$ddl$, p_schema);
    execute format('grant select on analytics.provider_keys to %I', tenancy.role_name('app'));
  end $$;

insert into projection_meta.models (name, create_tables, define_views, reader_kinds)
values ('provider_keys', 'projection_meta.provider_keys_create_tables(name)', 'projection_meta.provider_keys_define_views(name)', array['app']);

-- Read model "secrets" (projections/models/secrets.ts): the current sealed value of each secret,
-- for the vault opener. Not in `analytics`: its view is internal.secrets, and the opener is its
-- only reader (across tenants: a sealed value opens only under the tenant, subject, purpose and
-- field it was sealed for, and only with the KEK the opener holds anyway).
create function projection_meta.secrets_create_tables(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create table %1$I.secrets (
        tenant_id uuid not null,
        -- The user whose data key seals it (erasing the user destroys that key).
        owner_id text not null,
        purpose text not null check (purpose in ('provider-key', 'source-credential')),
        -- The provider (provider keys) or the source id (source credentials).
        subject text not null,
        version integer not null check (version > 0),
        format text not null check (format in ('v2', 'legacy')),
        -- {v, kid, kv, n, ct} (vault/sealed-value.ts), or the legacy salt:iv:ct value.
        sealed jsonb,
        legacy text,
        updated_at timestamptz not null,
        last_seq bigint not null check (last_seq > 0),
        primary key (tenant_id, owner_id, purpose, subject),
        check ((format = 'v2') = (sealed is not null) and (format = 'legacy') = (legacy is not null))
      )$ddl$, p_schema);
    perform projection_meta.secure_tenant_table(format('%I.secrets', p_schema)::regclass, array[]::text[], false);
    execute format('create policy opener_reads on %I.secrets for select to %I using (true)', p_schema, tenancy.role_name('opener'));
    execute format('grant delete on %I.secrets to %I', p_schema, tenancy.role_name('writer'));
  end $$;

create function projection_meta.secrets_define_views(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create or replace view internal.secrets with (security_invoker = true) as
      select tenant_id, owner_id, purpose, subject, version, format, sealed, legacy, updated_at, last_seq
      from %1$I.secrets$ddl$, p_schema);
    execute format('grant select on internal.secrets to %I', tenancy.role_name('opener'));
  end $$;

insert into projection_meta.models (name, create_tables, define_views, reader_kinds)
values ('secrets', 'projection_meta.secrets_create_tables(name)', 'projection_meta.secrets_define_views(name)', array['opener']);

-- THE reviewed path that erases one user of one tenant (UserErased), as erase_tenant erases a
-- tenant: owned by the eraser, on one live or building generation of p_model, always filtered by
-- p_tenant. In every table of the generation with a user_id or owner_id column it deletes the
-- user's rows; in an audit table (append-only) it redacts them instead, in the rows up to p_seq:
-- actor_id and target equal to the user become '[erased]', and in the summary the user id where
-- projections/models/audit-summary.ts puts one ("member <id>", "with owner <id>",
-- "claimed actor <kind>:<id>") — deterministic, so a rebuild redacts exactly what the live
-- projection did. Records its use in projection_meta.bypass_uses.
create function projection_meta.erase_user(p_model text, p_generation integer, p_tenant uuid, p_user text, p_seq bigint) returns bigint
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    gen_schema name;
    t record;
    pattern text;
    n bigint;
    total bigint := 0;
  begin
    if p_tenant is null or p_seq is null then
      raise exception 'erase_user: a tenant and a seq are required' using errcode = '22004';
    end if;
    -- A principal id (domain/validation.ts): never empty, never a pattern that matches more.
    if p_user is null or p_user !~ '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$' then
      raise exception 'erase_user: the user id is not a principal id' using errcode = '22023';
    end if;
    select g.schema_name into gen_schema from projection_meta.generations g
    where g.model = p_model and g.generation = p_generation and g.state in ('building', 'active');
    if gen_schema is null then
      raise exception 'read model "%" has no live or building generation %', p_model, p_generation using errcode = 'PA404';
    end if;
    pattern := '(member |with owner |claimed actor [a-z]+:)' || regexp_replace(p_user, '([^A-Za-z0-9])', '\\\1', 'g') || '(?=[ ),]|$)';
    -- Referencing tables first, so foreign keys never block a delete.
    for t in
      select c.oid::regclass as rel,
             exists (select 1 from pg_trigger g where g.tgrelid = c.oid and g.tgname = 'audit_rows_are_append_only') as audit,
             array(select a.attname::text from pg_attribute a
                   where a.attrelid = c.oid and a.attname in ('owner_id', 'user_id') and not a.attisdropped order by 1) as user_columns
      from pg_class c
      where c.relnamespace = gen_schema::regnamespace and c.relkind in ('r', 'p')
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
      order by (select count(*) from pg_constraint k where k.conrelid = c.oid and k.contype = 'f') desc, c.relname
    loop
      if t.audit then
        execute format($sql$
          update %s set actor_id = case when actor_id = $2 then '[erased]' else actor_id end,
                        target = case when target = $2 then '[erased]' else target end,
                        summary = regexp_replace(summary, $3, '\1[erased]', 'g')
          where tenant_id = $1 and seq <= $4 and (actor_id = $2 or target = $2 or summary ~ $3)$sql$, t.rel)
          using p_tenant, p_user, pattern, p_seq;
      elsif cardinality(t.user_columns) > 0 then
        execute format('delete from %s where tenant_id = $1 and (%s)', t.rel,
                       (select string_agg(format('%I = $2', col), ' or ') from unnest(t.user_columns) col))
          using p_tenant, p_user;
      else
        continue;
      end if;
      get diagnostics n = row_count;
      total := total + n;
    end loop;
    insert into projection_meta.bypass_uses (model, generation, reason, statement_sha256, tenant_count, row_count)
    values (p_model, p_generation, p_model || '.erase_user', encode(sha256(convert_to('projection_meta.erase_user', 'UTF8')), 'hex'), 1, total);
    return total;
  end $$;

select projection_meta.install_model('sources');
select projection_meta.install_model('source_queries');
select projection_meta.install_model('provider_keys');
select projection_meta.install_model('secrets');

reset role;

do $$
declare
  writer name := tenancy.role_name('writer');
  eraser name := tenancy.role_name('eraser');
begin
  execute format('alter function projection_meta.erase_user(text, integer, uuid, text, bigint) owner to %I', eraser);
  execute format('grant insert on projection_meta.bypass_uses to %I', eraser);
  revoke all on function projection_meta.erase_user(text, integer, uuid, text, bigint) from public;
  execute format('grant execute on function projection_meta.erase_user(text, integer, uuid, text, bigint) to %I', writer);
  execute format('grant usage on schema internal to %I', tenancy.role_name('opener'));
end $$;
