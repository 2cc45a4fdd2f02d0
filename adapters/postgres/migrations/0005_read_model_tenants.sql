-- Read model "tenants" (projections/models/tenants.ts): one row per live tenant.
select set_config('role', tenancy.role_name('owner'), true);

create function projection_meta.tenants_create_tables(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create table %1$I.tenants (
        tenant_id uuid not null primary key,
        name text not null,
        owner_user_id text not null,
        active_members integer not null check (active_members >= 0),
        created_at timestamptz not null,
        last_seq bigint not null check (last_seq > 0),
        last_event_at timestamptz not null
      )$ddl$, p_schema);
    perform projection_meta.secure_tenant_table(format('%I.tenants', p_schema)::regclass, array['app', 'analysts'], false);
  end $$;

create function projection_meta.tenants_define_views(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create or replace view analytics.tenants with (security_invoker = true) as
      select tenant_id, name, owner_user_id, active_members, created_at, last_seq, last_event_at
      from %1$I.tenants$ddl$, p_schema);
    execute format('grant select on analytics.tenants to %I, %I', tenancy.role_name('app'), tenancy.role_name('analysts'));
  end $$;

insert into projection_meta.models (name, create_tables, define_views, reader_kinds)
values ('tenants', 'projection_meta.tenants_create_tables(name)', 'projection_meta.tenants_define_views(name)', array['app', 'analysts']);

select projection_meta.install_model('tenants');

reset role;
