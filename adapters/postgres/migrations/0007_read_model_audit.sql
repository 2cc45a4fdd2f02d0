-- Read model "audit" (projections/models/audit.ts): one row per event of a tenant's chain, with
-- its hash and prev_hash and a summary that never carries a secret. Append-only (a trigger
-- refuses UPDATE, DELETE and TRUNCATE except the eraser's delete), and visible only to the
-- tenant's owners and admins: app users bound with that role, analysts granted --audit.
select set_config('role', tenancy.role_name('owner'), true);

create function tenancy.may_read_audit() returns boolean
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
    if current_user = session_user then
      return coalesce((select a.audit from tenancy_private.analysts a
                       where a.role_name = session_user and a.revoked_at is null), false);
    end if;
    return false;
  end $$;

create function projection_meta.audit_create_tables(p_schema name) returns void
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
  end $$;

create function projection_meta.audit_define_views(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create or replace view analytics.audit_log with (security_invoker = true) as
      select tenant_id, seq, type, actor_kind, actor_id, target, occurred_at, hash, prev_hash, summary,
             event_id, command_id, schema_version
      from %1$I.audit_log$ddl$, p_schema);
    execute format('grant select on analytics.audit_log to %I, %I', tenancy.role_name('app'), tenancy.role_name('auditors'));
  end $$;

insert into projection_meta.models (name, create_tables, define_views, reader_kinds)
values ('audit', 'projection_meta.audit_create_tables(name)', 'projection_meta.audit_define_views(name)', array['app', 'auditors']);

select projection_meta.install_model('audit');

reset role;
