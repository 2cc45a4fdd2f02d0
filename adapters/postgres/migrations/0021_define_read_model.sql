-- projection_meta.define_read_model: ONE call that defines a read model's tables, views and
-- policies, doing what migrations 0005…0007, 0013 and 0014 do by hand (issue 11). From this
-- migration on, a new read model is added with it, as the owner role:
--
--   select set_config('role', tenancy.role_name('owner'), true);
--   select projection_meta.define_read_model('widgets', array['app', 'analysts'], array[
--     projection_meta.read_model_table('widgets', $columns$
--         tenant_id uuid not null,
--         widget_id text not null,
--         owner_id text not null,
--         last_seq bigint not null check (last_seq > 0),
--         primary key (tenant_id, widget_id)
--       $columns$,
--       p_tenant_readers => array['analysts'], p_app_rows => 'own_or_manager', p_user_column => 'owner_id',
--       p_indexes => array['widgets_owner (tenant_id, owner_id)'])
--   ]);
--   reset role;
--
-- define_read_model(p_model, p_reader_kinds, p_tables):
--   p_model         the model's name, as the projector knows it (projections/models/index.ts)
--   p_reader_kinds  who reads it once a generation is active: 'app', 'analysts', 'auditors', or
--                   'opener' alone for an internal model (views in `internal`, read by the vault
--                   opener across tenants; nobody else gets any privilege)
--   p_tables        its tables, each made with projection_meta.read_model_table(...):
--     p_name            the table, in every generation schema rm_<model>_g<n>
--     p_columns         its columns and constraints; %1$I stands for the generation schema (a
--                       foreign key to a table of the same model), write %% for a literal %.
--                       A "tenant_id uuid not null" column, and keys that include it.
--     p_tenant_readers  kinds that see every row of the tenant they are bound to
--                       (policy tenant_isolation); default none
--     p_audit           an audit table: append-only, readable by tenant owners and admins only,
--                       and erase_user's redaction of actor_id, target, summary (as audit_log)
--     p_app_rows        'own': the app sees the bound user's rows only (policy own_rows_only);
--                       'own_or_manager': those, or all of the tenant's when the bound user is an
--                       active owner or admin of it (policy own_or_manager); default neither
--     p_user_column     the column naming the row's user for p_app_rows (default user_id); keep
--                       users in user_id or owner_id columns, which erase_user deletes
--     p_writer_deletes  the projector may delete rows (its model removes rows by key)
--     p_indexes         extra indexes, each '<name> (<columns>)'
--     p_view, p_view_columns  the view's name (default the table's) and select list (default
--                       every column in table order)
--
-- What it makes, the same way every hand-written model does it:
--   * projection_meta.<model>_create_tables(name) and <model>_define_views(name), registered in
--     projection_meta.models, so begin_generation, activate_generations, rebuilds and erasure
--     treat the model like any other (the functions read the model's tables from
--     projection_meta.model_tables);
--   * in each generation: the tables, under forced RLS with the standard policies and grants
--     (projection_meta.secure_tenant_table: projector_writes for the writer, tenant_erasure for
--     the eraser, tenant_isolation for p_tenant_readers), the app's own-rows policy, the opener's
--     read, the writer's DELETE, the eraser's audit redaction;
--   * security_invoker views in `analytics` (or `internal`) granted to p_reader_kinds, swapped to
--     a new generation atomically by activate_generations;
--   * the first generation, active at once (install_model), when the model is new. Defining an
--     existing model again replaces its tables' definition for the NEXT generation only: run
--     `palisade projections rebuild --name <model>` to get there.
select set_config('role', tenancy.role_name('owner'), true);

create type projection_meta.read_model_table as (
  name name,
  columns text,
  tenant_readers text[],
  audit boolean,
  app_rows text,
  user_column name,
  writer_deletes boolean,
  indexes text[],
  view_name name,
  view_columns text
);

-- The tables of the models defined with define_read_model (the others' are in their own functions).
create table projection_meta.model_tables (
  model text primary key references projection_meta.models (name),
  tables projection_meta.read_model_table[] not null check (cardinality(tables) > 0)
);

create function projection_meta.read_model_table(
  p_name name,
  p_columns text,
  p_tenant_readers text[] default array[]::text[],
  p_audit boolean default false,
  p_app_rows text default null,
  p_user_column name default 'user_id',
  p_writer_deletes boolean default false,
  p_indexes text[] default array[]::text[],
  p_view name default null,
  p_view_columns text default null
) returns projection_meta.read_model_table
  language plpgsql immutable
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    if p_name !~ '^[a-z][a-z0-9_]{0,62}$' then
      raise exception 'read-model table name "%" is not a lowercase identifier', p_name using errcode = '22023';
    end if;
    if not (coalesce(p_tenant_readers, array[]::text[]) <@ array['app', 'analysts', 'auditors']) then
      raise exception 'table %: p_tenant_readers may name app, analysts, auditors only', p_name using errcode = '22023';
    end if;
    if p_app_rows is not null and p_app_rows not in ('own', 'own_or_manager') then
      raise exception 'table %: p_app_rows is ''own'' or ''own_or_manager'', not "%"', p_name, p_app_rows using errcode = '22023';
    end if;
    if p_app_rows is not null and 'app' = any(p_tenant_readers) then
      raise exception 'table %: the app reads either every row of its tenant or its user''s rows, not both', p_name using errcode = '22023';
    end if;
    if p_audit and p_writer_deletes then
      raise exception 'table %: audit rows are never deleted by the projector', p_name using errcode = '22023';
    end if;
    if exists (select 1 from unnest(p_indexes) i where i !~ '^[a-z][a-z0-9_]{0,62} \(.+\)$') then
      raise exception 'table %: each index is ''<name> (<columns>)''', p_name using errcode = '22023';
    end if;
    return row(p_name, p_columns, coalesce(p_tenant_readers, array[]::text[]), p_audit, p_app_rows, p_user_column, p_writer_deletes,
               coalesce(p_indexes, array[]::text[]), coalesce(p_view, p_name), p_view_columns)::projection_meta.read_model_table;
  end $$;

-- The tables of p_model, as define_read_model last defined them.
create function projection_meta.model_tables_of(p_model text) returns projection_meta.read_model_table[]
  language sql stable
  set search_path = pg_catalog, pg_temp
  as $$ select s.tables from projection_meta.model_tables s where s.model = p_model $$;

-- Creates p_model's tables in the generation schema p_schema (called by <model>_create_tables).
create function projection_meta.create_read_model_tables(p_model text, p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    internal constant boolean := (select m.reader_kinds = array['opener'] from projection_meta.models m where m.name = p_model);
    t projection_meta.read_model_table;
    rel text;
    idx text;
  begin
    foreach t in array projection_meta.model_tables_of(p_model) loop
      rel := format('%I.%I', p_schema, t.name);
      execute format('create table %s (%s)', rel, format(t.columns, p_schema));
      foreach idx in array t.indexes loop
        execute format('create index %I on %s %s', split_part(idx, ' ', 1), rel, substr(idx, strpos(idx, ' ') + 1));
      end loop;
      perform projection_meta.secure_tenant_table(rel::regclass, t.tenant_readers, t.audit);
      -- (select …) makes each function an InitPlan, evaluated once per query (as 0004 does).
      if t.app_rows = 'own' then
        execute format('create policy own_rows_only on %s for select to %I using (tenant_id = (select tenancy.current_tenant()) '
                       'and %I = (select tenancy.current_app_user()))', rel, tenancy.role_name('app'), t.user_column);
      elsif t.app_rows = 'own_or_manager' then
        execute format('create policy own_or_manager on %s for select to %I using (tenant_id = (select tenancy.current_tenant()) '
                       'and (%I = (select tenancy.current_app_user()) or (select tenancy.app_user_manages_tenant())))',
          rel, tenancy.role_name('app'), t.user_column);
      end if;
      if internal then
        execute format('create policy opener_reads on %s for select to %I using (true)', rel, tenancy.role_name('opener'));
      end if;
      if t.writer_deletes then
        execute format('grant delete on %s to %I', rel, tenancy.role_name('writer'));
      end if;
      if t.audit then
        execute format('grant update (actor_id, target, summary) on %s to %I', rel, tenancy.role_name('eraser'));
      end if;
    end loop;
  end $$;

-- Points p_model's views at the generation schema p_schema and grants them to its readers
-- (called by <model>_define_views, inside activate_generations).
create function projection_meta.define_read_model_views(p_model text, p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    kinds constant text[] := (select m.reader_kinds from projection_meta.models m where m.name = p_model);
    -- In the order the model lists them, as the hand-written models grant their views.
    readers constant text := (select string_agg(quote_ident(tenancy.role_name(k)), ', ' order by o) from unnest(kinds) with ordinality as r(k, o));
    t projection_meta.read_model_table;
    view text;
    select_list text;
  begin
    foreach t in array projection_meta.model_tables_of(p_model) loop
      view := format('%I.%I', case when kinds = array['opener'] then 'internal' else 'analytics' end, t.view_name);
      select coalesce(t.view_columns, string_agg(quote_ident(a.attname), ', ' order by a.attnum)) into select_list
      from pg_attribute a where a.attrelid = format('%I.%I', p_schema, t.name)::regclass and a.attnum > 0 and not a.attisdropped;
      execute format('create or replace view %s with (security_invoker = true) as select %s from %I.%I', view, select_list, p_schema, t.name);
      execute format('grant select on %s to %s', view, readers);
    end loop;
  end $$;

create function projection_meta.define_read_model(p_model text, p_reader_kinds text[], p_tables projection_meta.read_model_table[]) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    t projection_meta.read_model_table;
    internal boolean := p_reader_kinds = array['opener'];
    create_tables text := format('projection_meta.%I', p_model || '_create_tables');
    define_views text := format('projection_meta.%I', p_model || '_define_views');
  begin
    -- Everything it makes must belong to the owner, as every other read-model object does.
    if current_user <> tenancy.role_name('owner') then
      raise exception 'define_read_model runs as the owner role' using errcode = '42501',
        hint = 'select set_config(''role'', tenancy.role_name(''owner''), true) first, as the read-model migrations do';
    end if;
    if p_model !~ '^[a-z][a-z0-9_]{0,30}$' then
      raise exception 'read model name "%" is not a lowercase identifier of at most 31 characters', p_model using errcode = '22023';
    end if;
    if coalesce(cardinality(p_reader_kinds), 0) = 0 or not (p_reader_kinds <@ array['app', 'analysts', 'auditors'] or internal) then
      raise exception 'read model %: p_reader_kinds names app, analysts, auditors, or opener alone', p_model using errcode = '22023';
    end if;
    if coalesce(cardinality(p_tables), 0) = 0 then
      raise exception 'read model % has no tables', p_model using errcode = '22023';
    end if;
    foreach t in array p_tables loop
      if not (t.tenant_readers <@ p_reader_kinds) or (t.app_rows is not null and not 'app' = any(p_reader_kinds)) then
        raise exception 'read model %, table %: a reader the model does not have (%)', p_model, t.name, p_reader_kinds using errcode = '22023';
      end if;
      if internal and (cardinality(t.tenant_readers) > 0 or t.app_rows is not null) then
        raise exception 'read model %, table %: an internal model is read by the opener only', p_model, t.name using errcode = '22023';
      end if;
    end loop;

    execute format('create or replace function %s(p_schema name) returns void language plpgsql set search_path = pg_catalog, pg_temp '
                   'as $body$ begin perform projection_meta.create_read_model_tables(%L, p_schema); end $body$', create_tables, p_model);
    execute format('create or replace function %s(p_schema name) returns void language plpgsql set search_path = pg_catalog, pg_temp '
                   'as $body$ begin perform projection_meta.define_read_model_views(%L, p_schema); end $body$', define_views, p_model);
    execute format('revoke all on function %s(name), %s(name) from public', create_tables, define_views);

    insert into projection_meta.models (name, create_tables, define_views, reader_kinds)
    values (p_model, (create_tables || '(name)')::regprocedure, (define_views || '(name)')::regprocedure, p_reader_kinds)
    on conflict (name) do update set create_tables = excluded.create_tables, define_views = excluded.define_views, reader_kinds = excluded.reader_kinds;
    insert into projection_meta.model_tables (model, tables) values (p_model, p_tables)
    on conflict (model) do update set tables = excluded.tables;

    if not exists (select 1 from projection_meta.generations g where g.model = p_model) then
      perform projection_meta.install_model(p_model);
    end if;
  end $$;

revoke all on function projection_meta.read_model_table(name, text, text[], boolean, text, name, boolean, text[], name, text),
  projection_meta.model_tables_of(text), projection_meta.create_read_model_tables(text, name), projection_meta.define_read_model_views(text, name),
  projection_meta.define_read_model(text, text[], projection_meta.read_model_table[]) from public;

reset role;
