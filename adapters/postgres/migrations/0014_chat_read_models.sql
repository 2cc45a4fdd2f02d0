-- Read models of chat (issue 7; docs/adr/0006-chat-read-models.md):
--   conversations  one row per conversation (counts, sizes, token usage, dates, status) and one
--                  row per message, reply or failure (chat_messages): metadata only, never content
--   memories       each user's stored memories: id, size, date; visible to that user only
--   chat_content   the sealed content of every message, reply and memory still kept, for Palisade's
--                  services (role `opener`) only, read through projections/models/chat-content-reader.ts
-- projection_meta.erase_user (migration 0013) needs nothing new: every table here keeps its
-- user in a user_id column, so UserErased deletes the user's rows from all of them, and
-- erase_tenant (TenantDeleted) deletes every row of the tenant.

select set_config('role', tenancy.role_name('owner'), true);

-- Read model "conversations" (projections/models/conversations.ts). Analysts: every row of
-- their tenant (metadata for analysts). The app: the bound user's own rows, or all of the
-- tenant's when that user is an active owner or admin (the same rule as sources).
create function projection_meta.conversations_create_tables(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create table %1$I.conversations (
        tenant_id uuid not null,
        conversation_id text not null,
        -- The user whose conversation it is: the only one who may write to it.
        user_id text not null,
        -- The model asked for at the start, else the first reply's.
        model text,
        status text not null check (status in ('active', 'deleted')),
        started_at timestamptz not null,
        deleted_at timestamptz,
        messages bigint not null check (messages >= 0),
        replies bigint not null check (replies >= 0),
        failures bigint not null check (failures >= 0),
        -- Plaintext sizes: the user's messages (in) and the replies (out).
        bytes_in bigint not null check (bytes_in >= 0),
        bytes_out bigint not null check (bytes_out >= 0),
        input_tokens bigint not null check (input_tokens >= 0),
        output_tokens bigint not null check (output_tokens >= 0),
        last_activity_at timestamptz not null,
        last_seq bigint not null check (last_seq > 0),
        primary key (tenant_id, conversation_id)
      )$ddl$, p_schema);
    execute format('create index conversations_user on %I.conversations (tenant_id, user_id)', p_schema);
    -- One row per ChatTurnRequested (role user), AssistantReplied (assistant), ChatTurnFailed
    -- (failure). Kept when the conversation is deleted (usage stays accountable); gone with the
    -- user (UserErased) or the tenant.
    execute format($ddl$
      create table %1$I.chat_messages (
        tenant_id uuid not null,
        seq bigint not null check (seq > 0),
        conversation_id text not null,
        user_id text not null,
        role text not null check (role in ('user', 'assistant', 'failure')),
        -- The user message's id (role user), else null.
        message_id text,
        -- The id of the message answered (assistant, failure), else null.
        reply_to text,
        bytes bigint check (bytes >= 0),
        model text,
        input_tokens bigint check (input_tokens >= 0),
        output_tokens bigint check (output_tokens >= 0),
        stop_reason text,
        reason text,
        at timestamptz not null,
        primary key (tenant_id, seq),
        check ((role = 'user') = (message_id is not null) and (role = 'user') = (reply_to is null))
      )$ddl$, p_schema);
    execute format('create index chat_messages_conversation on %I.chat_messages (tenant_id, conversation_id, seq)', p_schema);
    execute format('create index chat_messages_user on %I.chat_messages (tenant_id, user_id)', p_schema);
    perform projection_meta.secure_tenant_table(format('%I.conversations', p_schema)::regclass, array['analysts'], false);
    perform projection_meta.secure_tenant_table(format('%I.chat_messages', p_schema)::regclass, array['analysts'], false);
    execute format('create policy own_or_manager on %I.conversations for select to %I using (tenant_id = (select tenancy.current_tenant()) '
                   'and (user_id = (select tenancy.current_app_user()) or (select tenancy.app_user_manages_tenant())))',
      p_schema, tenancy.role_name('app'));
    execute format('create policy own_or_manager on %I.chat_messages for select to %I using (tenant_id = (select tenancy.current_tenant()) '
                   'and (user_id = (select tenancy.current_app_user()) or (select tenancy.app_user_manages_tenant())))',
      p_schema, tenancy.role_name('app'));
  end $$;

create function projection_meta.conversations_define_views(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create or replace view analytics.conversations with (security_invoker = true) as
      select tenant_id, conversation_id, user_id, model, status, started_at, deleted_at, messages, replies, failures,
             bytes_in, bytes_out, input_tokens, output_tokens, last_activity_at, last_seq
      from %1$I.conversations$ddl$, p_schema);
    execute format($ddl$
      create or replace view analytics.chat_messages with (security_invoker = true) as
      select tenant_id, seq, conversation_id, user_id, role, message_id, reply_to, bytes, model, input_tokens, output_tokens,
             stop_reason, reason, at
      from %1$I.chat_messages$ddl$, p_schema);
    execute format('grant select on analytics.conversations, analytics.chat_messages to %I, %I',
      tenancy.role_name('app'), tenancy.role_name('analysts'));
  end $$;

insert into projection_meta.models (name, create_tables, define_views, reader_kinds)
values ('conversations', 'projection_meta.conversations_create_tables(name)', 'projection_meta.conversations_define_views(name)', array['app', 'analysts']);

-- Read model "memories" (projections/models/memories.ts): private to their user, like provider
-- keys. No tenant-wide policy: the app sees the bound user's own memories; nobody else sees any
-- (not a tenant owner, not an analyst). The writer deletes a forgotten memory's row.
create function projection_meta.memories_create_tables(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create table %1$I.memories (
        tenant_id uuid not null,
        memory_id text not null,
        user_id text not null,
        bytes bigint not null check (bytes >= 0),
        stored_at timestamptz not null,
        last_seq bigint not null check (last_seq > 0),
        primary key (tenant_id, memory_id)
      )$ddl$, p_schema);
    execute format('create index memories_user on %I.memories (tenant_id, user_id)', p_schema);
    perform projection_meta.secure_tenant_table(format('%I.memories', p_schema)::regclass, array[]::text[], false);
    execute format('create policy own_memories_only on %I.memories for select to %I using (tenant_id = (select tenancy.current_tenant()) '
                   'and user_id = (select tenancy.current_app_user()))', p_schema, tenancy.role_name('app'));
    execute format('grant delete on %I.memories to %I', p_schema, tenancy.role_name('writer'));
  end $$;

create function projection_meta.memories_define_views(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create or replace view analytics.memories with (security_invoker = true) as
      select tenant_id, user_id, memory_id, bytes, stored_at, last_seq
      from %1$I.memories$ddl$, p_schema);
    execute format('grant select on analytics.memories to %I', tenancy.role_name('app'));
  end $$;

insert into projection_meta.models (name, create_tables, define_views, reader_kinds)
values ('memories', 'projection_meta.memories_create_tables(name)', 'projection_meta.memories_define_views(name)', array['app']);

-- Read model "chat_content" (projections/models/chat-content.ts): the sealed content of every
-- message, reply and memory that is still kept, for the chat worker and the vault opener. Like
-- `secrets`: its view is internal.chat_content and the opener role is its only reader; no app,
-- analyst or auditor role has any privilege on it. A sealed value opens only under the tenant,
-- user, conversation and item it was sealed for (domain/tenant/chat-secrets.ts), with the
-- user's data key, which UserErased destroys. The writer deletes a deleted conversation's and
-- a forgotten memory's rows.
create function projection_meta.chat_content_create_tables(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create table %1$I.chat_content (
        tenant_id uuid not null,
        seq bigint not null check (seq > 0),
        user_id text not null,
        -- Null for memories.
        conversation_id text,
        kind text not null check (kind in ('message', 'reply', 'memory')),
        -- The message id (message), the id of the message answered (reply), the memory id (memory).
        item_id text not null,
        -- {v, kid, kv, n, ct} (vault/sealed-value.ts): those five members only.
        sealed jsonb not null,
        bytes bigint not null check (bytes >= 0),
        at timestamptz not null,
        primary key (tenant_id, seq),
        check ((kind = 'memory') = (conversation_id is null))
      )$ddl$, p_schema);
    execute format('create index chat_content_conversation on %I.chat_content (tenant_id, user_id, conversation_id, seq)', p_schema);
    execute format('create index chat_content_item on %I.chat_content (tenant_id, kind, item_id)', p_schema);
    perform projection_meta.secure_tenant_table(format('%I.chat_content', p_schema)::regclass, array[]::text[], false);
    execute format('create policy opener_reads on %I.chat_content for select to %I using (true)', p_schema, tenancy.role_name('opener'));
    execute format('grant delete on %I.chat_content to %I', p_schema, tenancy.role_name('writer'));
  end $$;

create function projection_meta.chat_content_define_views(p_schema name) returns void
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    execute format($ddl$
      create or replace view internal.chat_content with (security_invoker = true) as
      select tenant_id, seq, user_id, conversation_id, kind, item_id, sealed, bytes, at
      from %1$I.chat_content$ddl$, p_schema);
    execute format('grant select on internal.chat_content to %I', tenancy.role_name('opener'));
  end $$;

insert into projection_meta.models (name, create_tables, define_views, reader_kinds)
values ('chat_content', 'projection_meta.chat_content_create_tables(name)', 'projection_meta.chat_content_define_views(name)', array['opener']);

select projection_meta.install_model('conversations');
select projection_meta.install_model('memories');
select projection_meta.install_model('chat_content');

reset role;
