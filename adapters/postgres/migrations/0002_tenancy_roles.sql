-- Tenancy, part 1: the database roles of the read models (docs/adr/0003-row-level-security.md).
-- Roles are cluster-wide but every database (each test database, too) gets its own set: their
-- names start with a prefix derived from the database name, recorded here, and each carries a
-- comment naming its database so a role of another database is never taken over.
create schema tenancy;

create table tenancy.installation (
  singleton boolean primary key default true check (singleton),
  -- Lowercase letters and digits only, so the first "_" of a role name ends the prefix.
  role_prefix text not null check (role_prefix ~ '^[a-z][a-z0-9]{0,15}$'),
  database_name name not null
);

insert into tenancy.installation (role_prefix, database_name)
select case when current_database() ~ '^[a-z][a-z0-9]{0,15}$' then current_database()
            else 'p' || left(md5(current_database()), 12) end,
       current_database();

-- `<prefix>_<kind>`: owner, projector, writer, eraser, app, analysts, auditors.
create function tenancy.role_name(p_kind text) returns name
  language sql stable parallel safe
  set search_path = pg_catalog, pg_temp
  as $$ select (i.role_prefix || '_' || p_kind)::name from tenancy.installation i $$;

-- owner      owns schemas, tables and views; used by migrations only; never logs in.
-- projector  the projector service's identity; may SET ROLE writer (the wrapper does, per
--            transaction); reads its bookkeeping; runs rebuilds through SECURITY DEFINER functions.
-- writer     the only role whose policies let it write every tenant's rows: reached only with
--            SET LOCAL ROLE inside the projector wrapper, which demands an explicit tenant filter.
-- eraser     owns the one SECURITY DEFINER function that deletes a tenant's rows (audit included).
-- app        the API's reader: sees the tenant bound with tenancy.bind() in the same transaction.
-- analysts   group of the per-tenant analyst logins (read models).
-- auditors   group of the analyst logins granted the audit views.
-- None has LOGIN, SUPERUSER or BYPASSRLS here; operators may add LOGIN to projector and app.
do $$
declare
  marker constant text := 'palisade role of database ' || current_database();
  kind text;
  role name;
  existing oid;
begin
  foreach kind in array array['owner', 'projector', 'writer', 'eraser', 'app', 'analysts', 'auditors'] loop
    role := tenancy.role_name(kind);
    select r.oid into existing from pg_roles r where r.rolname = role;
    if existing is null then
      execute format('create role %I nologin', role);
    elsif shobj_description(existing, 'pg_authid') is distinct from marker then
      raise exception 'role % already exists and belongs to another database', role
        using errcode = 'PA001', hint = 'drop that role, or rename this database';
    end if;
    execute format('alter role %I nologin nosuperuser nocreatedb nocreaterole noreplication nobypassrls', role);
    execute format('comment on role %I is %L', role, marker);
  end loop;
  -- The projector holds no table privileges of its own: it must SET ROLE writer to write.
  execute format('alter role %I noinherit', tenancy.role_name('projector'));
  execute format('grant %I to %I', tenancy.role_name('writer'), tenancy.role_name('projector'));

  -- Who may connect at all: only this database's roles (and superusers). TEMP is revoked so no
  -- reader can create objects anywhere, not even in pg_temp (no search_path tricks).
  execute format('revoke connect, temporary on database %I from public', current_database());
  execute format('grant connect on database %I to %I, %I, %I, %I', current_database(),
    tenancy.role_name('projector'), tenancy.role_name('app'), tenancy.role_name('analysts'), tenancy.role_name('auditors'));
  -- The owner creates the schema of each read-model generation (projection_meta.begin_generation).
  execute format('grant create on database %I to %I', current_database(), tenancy.role_name('owner'));
end $$;

-- Statistics that Row-Level Security does not filter. pg_stats, pg_stats_ext and
-- pg_stats_ext_exprs already hide tables under RLS; the cumulative counters and size functions
-- do not, and would tell an analyst how many rows other tenants have. pg_monitor keeps them.
-- (pg_class.reltuples and planner estimates stay visible: see ADR 0003, residual risks.)
revoke select on pg_catalog.pg_stat_all_tables, pg_catalog.pg_stat_user_tables, pg_catalog.pg_stat_sys_tables,
  pg_catalog.pg_stat_xact_all_tables, pg_catalog.pg_stat_xact_user_tables, pg_catalog.pg_stat_xact_sys_tables,
  pg_catalog.pg_statio_all_tables, pg_catalog.pg_statio_user_tables, pg_catalog.pg_statio_sys_tables,
  pg_catalog.pg_stat_all_indexes, pg_catalog.pg_stat_user_indexes, pg_catalog.pg_stat_sys_indexes,
  pg_catalog.pg_statio_all_indexes, pg_catalog.pg_statio_user_indexes, pg_catalog.pg_statio_sys_indexes,
  pg_catalog.pg_statio_all_sequences, pg_catalog.pg_statio_user_sequences, pg_catalog.pg_statio_sys_sequences
  from public;
grant select on pg_catalog.pg_stat_all_tables, pg_catalog.pg_stat_user_tables, pg_catalog.pg_statio_all_tables,
  pg_catalog.pg_statio_user_tables, pg_catalog.pg_stat_all_indexes, pg_catalog.pg_stat_user_indexes
  to pg_monitor;

do $$
declare f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_proc p
    where p.pronamespace = 'pg_catalog'::regnamespace
      and (p.proname in ('pg_relation_size', 'pg_table_size', 'pg_indexes_size', 'pg_total_relation_size', 'pg_database_size')
           or (p.proname like 'pg\_stat\_get\_%' and p.proargtypes[0] = 'oid'::regtype and p.pronargs = 1))
  loop
    execute format('revoke execute on function %s from public', f);
    execute format('grant execute on function %s to pg_monitor', f);
  end loop;
end $$;

-- Created by the superuser before the owner existed: hand them over.
do $$
begin
  execute format('alter schema tenancy owner to %I', tenancy.role_name('owner'));
  execute format('alter table tenancy.installation owner to %I', tenancy.role_name('owner'));
  execute format('alter function tenancy.role_name(text) owner to %I', tenancy.role_name('owner'));
end $$;
