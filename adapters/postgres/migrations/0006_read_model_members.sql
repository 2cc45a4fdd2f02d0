-- Read model "members" (projections/models/members.ts): each tenant's members with their role,
-- status and since when, and the history of role changes. Keys include tenant_id, so neither a
-- unique violation nor a foreign-key lookup can ever touch another tenant's row.
select set_config('role', tenancy.role_name('owner'), true);

create function projection_meta.members_create_tables(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create table %1$I.members (
        tenant_id uuid not null,
        user_id text not null,
        email text not null,
        role text not null check (role in ('owner', 'admin', 'member', 'viewer')),
        status text not null check (status in ('active', 'removed')),
        -- When the current status began (added, re-added or removed).
        since timestamptz not null,
        last_seq bigint not null check (last_seq > 0),
        primary key (tenant_id, user_id)
      )$ddl$, p_schema);
    execute format($ddl$
      create table %1$I.role_changes (
        tenant_id uuid not null,
        seq bigint not null check (seq > 0),
        user_id text not null,
        from_role text not null,
        to_role text not null,
        changed_at timestamptz not null,
        primary key (tenant_id, seq),
        foreign key (tenant_id, user_id) references %1$I.members (tenant_id, user_id) on delete cascade
      )$ddl$, p_schema);
    execute format('create index role_changes_member on %I.role_changes (tenant_id, user_id)', p_schema);
    perform projection_meta.secure_tenant_table(format('%I.members', p_schema)::regclass, array['app', 'analysts'], false);
    perform projection_meta.secure_tenant_table(format('%I.role_changes', p_schema)::regclass, array['app', 'analysts'], false);
  end $$;

create function projection_meta.members_define_views(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create or replace view analytics.members with (security_invoker = true) as
      select tenant_id, user_id, email, role, status, since, last_seq
      from %1$I.members$ddl$, p_schema);
    execute format($ddl$
      create or replace view analytics.member_role_changes with (security_invoker = true) as
      select tenant_id, seq, user_id, from_role, to_role, changed_at
      from %1$I.role_changes$ddl$, p_schema);
    execute format('grant select on analytics.members, analytics.member_role_changes to %I, %I',
      tenancy.role_name('app'), tenancy.role_name('analysts'));
  end $$;

insert into projection_meta.models (name, create_tables, define_views, reader_kinds)
values ('members', 'projection_meta.members_create_tables(name)', 'projection_meta.members_define_views(name)', array['app', 'analysts']);

select projection_meta.install_model('members');

reset role;
