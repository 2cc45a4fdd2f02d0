-- Read-model bookkeeping (projections/README.md, docs/adr/0003-row-level-security.md).
-- Each read model lives in generations: schema rm_<model>_g<n>, built by the projector, one of
-- them active (the views in `analytics` point at it), at most one being built by a rebuild.
-- Offsets are stored per model generation in the same transaction as its rows.
select set_config('role', tenancy.role_name('owner'), true);

create schema projection_meta;
-- The stable surface readers query: security_invoker views over the active generations.
create schema analytics;

create table projection_meta.models (
  name text primary key check (name ~ '^[a-z][a-z0-9_]{0,30}$'),
  -- (p_schema name): creates the model's tables in a new generation schema, each secured
  -- with projection_meta.secure_tenant_table.
  create_tables regprocedure not null,
  -- (p_schema name): points the model's views in `analytics` at that schema, and grants them.
  define_views regprocedure not null,
  -- Role kinds that may read the model once a generation is active.
  reader_kinds text[] not null check (reader_kinds <@ array['app', 'analysts', 'auditors'])
);

create table projection_meta.generations (
  model text not null references projection_meta.models (name),
  generation integer not null check (generation > 0),
  schema_name name not null unique,
  state text not null check (state in ('building', 'active', 'retired')),
  created_at timestamptz not null default now(),
  activated_at timestamptz,
  retired_at timestamptz,
  primary key (model, generation)
);
create unique index generations_one_active_per_model on projection_meta.generations (model) where state = 'active';
create unique index generations_one_building_per_model on projection_meta.generations (model) where state = 'building';

-- Next Kafka offset to apply, per model generation and partition; written in the transaction
-- that applies the rows before it (exactly once into PostgreSQL).
create table projection_meta.offsets (
  model text not null,
  generation integer not null,
  topic text not null,
  partition integer not null check (partition >= 0),
  next_offset bigint not null check (next_offset >= 0),
  updated_at timestamptz not null default now(),
  primary key (model, generation, topic, partition),
  foreign key (model, generation) references projection_meta.generations (model, generation) on delete cascade
);

-- One row per statement that wrote across tenants through the projector wrapper.
create table projection_meta.bypass_uses (
  id bigint generated always as identity primary key,
  used_at timestamptz not null default now(),
  model text not null,
  generation integer not null,
  reason text not null,
  statement_sha256 text not null check (statement_sha256 ~ '^[0-9a-f]{64}$'),
  tenant_count integer not null check (tenant_count > 0),
  row_count bigint not null,
  transaction_id xid8 not null default pg_current_xact_id()
);

-- Tenants whose rows were erased (TenantDeleted): later events of theirs are never applied.
create table projection_meta.erased_tenants (
  tenant_id uuid primary key,
  erased_seq bigint not null,
  erased_at timestamptz not null default now()
);
alter table projection_meta.erased_tenants enable row level security;
alter table projection_meta.erased_tenants force row level security;

-- Puts a read-model table under forced RLS with the standard policies and grants. Every table
-- a model creates must go through here (begin_generation refuses a generation that skipped it).
--   p_reader_kinds  who may read it (bound by tenancy.current_tenant())
--   p_audit         audit table: append-only, and readable by tenant owners/admins only
create function projection_meta.secure_tenant_table(p_table regclass, p_reader_kinds text[], p_audit boolean)
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
    -- (select …) makes each function an InitPlan, evaluated once per query, not per row.
    execute format('create policy tenant_isolation on %s for select to %s using (tenant_id = (select tenancy.current_tenant())%s)',
      p_table, readers, case when p_audit then ' and (select tenancy.may_read_audit())' else '' end);
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

-- Audit rows never change; they leave only with their tenant, deleted by the eraser inside
-- projection_meta.erase_tenant (a SECURITY DEFINER function owned by that role).
create function projection_meta.forbid_audit_change() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    if tg_op = 'DELETE' and current_user = tenancy.role_name('eraser') then
      return old;
    end if;
    raise exception 'audit rows cannot be changed or removed (% on %)', tg_op, tg_table_name
      using errcode = 'PA403', hint = 'audit rows leave only with their tenant (TenantDeleted)';
  end $$;

-- Key of the advisory locks that order projector transactions (shared) and swaps (exclusive).
create function projection_meta.model_lock_key(p_model text) returns integer
  language sql immutable parallel safe
  as $$ select hashtext('palisade.read-model:' || p_model) $$;

-- Drops a generation's tables and schema. RESTRICT semantics: if anything outside the schema
-- still depends on it (a view not yet repointed), nothing is dropped and false is returned.
create function projection_meta.drop_generation_schema(p_schema name) returns boolean
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  declare tables text;
  begin
    select string_agg(c.oid::regclass::text, ', ') into tables
    from pg_class c where c.relnamespace = p_schema::regnamespace and c.relkind in ('r', 'p');
    if tables is not null then
      execute 'drop table ' || tables;
    end if;
    execute format('drop schema %I', p_schema);
    return true;
  exception when dependent_objects_still_exist then
    raise warning 'generation schema % is still referenced; kept', p_schema;
    return false;
  end $$;

-- Starts a generation of p_model (or returns the one being built: a rebuild resumes it).
-- Readers get no privilege on it until activate_generations.
create function projection_meta.begin_generation(p_model text)
  returns table (generation integer, schema_name name, resumed boolean)
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
  #variable_conflict use_column
  declare
    m projection_meta.models;
    g integer;
    s name;
    unsecured text;
  begin
    select * into m from projection_meta.models where name = p_model;
    if not found then
      raise exception 'unknown read model "%"', p_model using errcode = 'PA404';
    end if;
    perform pg_advisory_xact_lock(projection_meta.model_lock_key(p_model));
    select b.generation, b.schema_name into g, s from projection_meta.generations b where b.model = p_model and b.state = 'building';
    if found then
      return query select g, s, true;
      return;
    end if;
    select coalesce(max(x.generation), 0) + 1 into g from projection_meta.generations x where x.model = p_model;
    s := format('rm_%s_g%s', p_model, g);
    execute format('create schema %I', s);
    execute format('grant usage on schema %I to %I, %I', s, tenancy.role_name('writer'), tenancy.role_name('eraser'));
    execute format('select %s($1)', m.create_tables::regproc) using s;
    select string_agg(c.relname, ', ') into unsecured from pg_class c
    where c.relnamespace = s::regnamespace and c.relkind in ('r', 'p') and not (c.relrowsecurity and c.relforcerowsecurity);
    if unsecured is not null then
      raise exception 'read model "%" created tables without forced row-level security: %', p_model, unsecured using errcode = 'PA422';
    end if;
    insert into projection_meta.generations (model, generation, schema_name, state) values (p_model, g, s, 'building');
    return query select g, s, false;
  end $$;

-- Atomically makes the generations being built the active ones: the views switch, readers are
-- granted the new schema and lose the old one. Refuses (PA409) a generation that has applied
-- less than the live one on any partition; the caller catches up and retries.
-- Readers lock views in whatever order their queries name them, so the swap takes every view
-- lock up front and gives up after p_lock_timeout_ms (55P03, well below deadlock_timeout):
-- if a reader and the swap ever wait on each other, the swap is the one that steps back and
-- retries, and the reader's query simply waits a moment instead of failing.
create function projection_meta.activate_generations(p_models text[], p_lock_timeout_ms integer default 200) returns void
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
  #variable_conflict use_column
  declare
    model_name text;
    m projection_meta.models;
    shadow projection_meta.generations;
    live projection_meta.generations;
    behind text;
    readers text;
    views text;
  begin
    -- Exclusive: waits for projector transactions in flight (they hold these locks shared) and
    -- holds back new ones until this commits, so none writes to a generation being retired.
    perform pg_advisory_xact_lock(projection_meta.model_lock_key(x)) from unnest(p_models) x order by x;
    perform set_config('lock_timeout', greatest(p_lock_timeout_ms, 1)::text, true);
    select 'lock table ' || string_agg(c.oid::regclass::text, ', ' order by c.relname) || ' in access exclusive mode' into views
    from pg_class c where c.relnamespace = 'analytics'::regnamespace and c.relkind = 'v';
    if views is not null then
      execute views;
    end if;
    foreach model_name in array p_models loop
      select * into m from projection_meta.models where name = model_name;
      if not found then
        raise exception 'unknown read model "%"', model_name using errcode = 'PA404';
      end if;
      select * into shadow from projection_meta.generations where model = model_name and state = 'building';
      if not found then
        raise exception 'read model "%" has no generation being built', model_name using errcode = 'PA404';
      end if;
      live := null;
      select * into live from projection_meta.generations where model = model_name and state = 'active';
      select string_agg(format('%s[%s] %s < %s', l.topic, l.partition, coalesce(s.next_offset, 0), l.next_offset), ', ') into behind
      from projection_meta.offsets l
      left join projection_meta.offsets s on s.model = l.model and s.generation = shadow.generation and s.topic = l.topic and s.partition = l.partition
      where l.model = model_name and l.generation = live.generation and l.next_offset > coalesce(s.next_offset, 0);
      if behind is not null then
        raise exception 'the rebuild of "%" is behind the live projection (%)', model_name, behind using errcode = 'PA409';
      end if;
      select string_agg(quote_ident(tenancy.role_name(k)), ', ' order by k) into readers from unnest(m.reader_kinds) k;
      execute format('grant usage on schema %I to %s', shadow.schema_name, readers);
      execute format('grant select on all tables in schema %I to %s', shadow.schema_name, readers);
      execute format('select %s($1)', m.define_views::regproc) using shadow.schema_name;
      if live.generation is not null then
        execute format('revoke all on all tables in schema %I from %s', live.schema_name, readers);
        execute format('revoke all on schema %I from %s', live.schema_name, readers);
        update projection_meta.generations set state = 'retired', retired_at = now() where model = model_name and generation = live.generation;
      end if;
      update projection_meta.generations set state = 'active', activated_at = now() where model = model_name and generation = shadow.generation;
    end loop;
  end $$;

-- Drops the generation being built (a rebuild started over with --restart).
create function projection_meta.abandon_generation(p_model text) returns boolean
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
  #variable_conflict use_column
  declare shadow projection_meta.generations;
  begin
    perform pg_advisory_xact_lock(projection_meta.model_lock_key(p_model));
    select * into shadow from projection_meta.generations where model = p_model and state = 'building';
    if not found then
      return false;
    end if;
    delete from projection_meta.generations where model = p_model and generation = shadow.generation;
    return projection_meta.drop_generation_schema(shadow.schema_name);
  end $$;

-- Drops retired generations nobody uses any more; one still locked by a reader is kept for a
-- later call. Returns how many were dropped.
create function projection_meta.drop_retired_generations(p_lock_timeout_ms integer default 5000) returns integer
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    r record;
    dropped integer := 0;
  begin
    perform set_config('lock_timeout', greatest(p_lock_timeout_ms, 1)::text, true);
    for r in select g.model, g.generation, g.schema_name from projection_meta.generations g where g.state = 'retired' order by 1, 2 loop
      begin
        if projection_meta.drop_generation_schema(r.schema_name) then
          delete from projection_meta.generations g where g.model = r.model and g.generation = r.generation;
          dropped := dropped + 1;
        end if;
      exception when lock_not_available then
        raise notice 'generation % of read model % is still in use; kept for a later drop', r.generation, r.model;
      end;
    end loop;
    return dropped;
  end $$;

-- First generation of a model, active at once (migrations only).
create function projection_meta.install_model(p_model text) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    perform projection_meta.begin_generation(p_model);
    perform projection_meta.activate_generations(array[p_model], 60000);
  end $$;

-- THE reviewed path that deletes a tenant's rows, audit rows included (TenantDeleted).
-- Owned by the eraser role, the only one whose delete the audit trigger lets through.
-- Deletes from every table of one live or building generation of p_model, always filtered by
-- p_tenant, and records the tenant as erased so none of its later events is applied.
create function projection_meta.erase_tenant(p_model text, p_generation integer, p_tenant uuid, p_seq bigint) returns bigint
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    target name;
    t regclass;
    n bigint;
    total bigint := 0;
  begin
    if p_tenant is null then
      raise exception 'erase_tenant: a tenant is required' using errcode = '22004';
    end if;
    select g.schema_name into target from projection_meta.generations g
    where g.model = p_model and g.generation = p_generation and g.state in ('building', 'active');
    if target is null then
      raise exception 'read model "%" has no live or building generation %', p_model, p_generation using errcode = 'PA404';
    end if;
    -- Referencing tables first, so foreign keys never block a delete.
    for t in
      select c.oid::regclass from pg_class c
      where c.relnamespace = target::regnamespace and c.relkind in ('r', 'p')
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
      order by (select count(*) from pg_constraint k where k.conrelid = c.oid and k.contype = 'f') desc, c.relname
    loop
      execute format('delete from %s where tenant_id = $1', t) using p_tenant;
      get diagnostics n = row_count;
      total := total + n;
    end loop;
    insert into projection_meta.erased_tenants (tenant_id, erased_seq) values (p_tenant, p_seq) on conflict (tenant_id) do nothing;
    return total;
  end $$;

reset role;

do $$
declare
  owner name := tenancy.role_name('owner');
  projector name := tenancy.role_name('projector');
  writer name := tenancy.role_name('writer');
  eraser name := tenancy.role_name('eraser');
begin
  execute format('alter function projection_meta.erase_tenant(text, integer, uuid, bigint) owner to %I', eraser);

  execute format('grant usage on schema projection_meta to %I, %I, %I', projector, writer, eraser);
  execute format('grant select on projection_meta.models, projection_meta.generations to %I, %I, %I', projector, writer, eraser);
  execute format('grant select on projection_meta.offsets, projection_meta.bypass_uses to %I', projector);
  execute format('grant select, insert, update on projection_meta.offsets to %I', writer);
  execute format('grant insert on projection_meta.bypass_uses to %I', writer);
  execute format('grant select on projection_meta.erased_tenants to %I', writer);
  execute format('grant select, insert on projection_meta.erased_tenants to %I', eraser);
  execute format('create policy projector_reads_erasures on projection_meta.erased_tenants for select to %I using (true)', writer);
  execute format('create policy eraser_records_erasures on projection_meta.erased_tenants for all to %I using (true) with check (true)', eraser);

  revoke all on all functions in schema projection_meta from public;
  execute format('grant execute on function projection_meta.begin_generation(text), projection_meta.activate_generations(text[], integer), '
                 'projection_meta.abandon_generation(text), projection_meta.drop_retired_generations(integer) to %I', projector);
  execute format('grant execute on function projection_meta.erase_tenant(text, integer, uuid, bigint), '
                 'projection_meta.model_lock_key(text) to %I', writer);
  execute format('grant execute on function projection_meta.model_lock_key(text) to %I', projector);

  execute format('grant usage on schema analytics to %I, %I, %I',
    tenancy.role_name('app'), tenancy.role_name('analysts'), tenancy.role_name('auditors'));
end $$;
