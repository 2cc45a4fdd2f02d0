-- Producer keys have capabilities (issue 12, finding 7): besides the tenants a key may act for,
-- the actor kinds it may claim and, when listed, the only command types it may send. A key with
-- no command list may send user commands only: service commands (RecordAssistantReply,
-- ResealLegacySecret) must be listed by name. Existing keys keep their tenants and may claim
-- user actors only; a service key must be registered again (or granted) with its commands.
alter table registry.producer_keys
  add column actor_kinds text[] not null default '{user}'
    check (cardinality(actor_kinds) between 1 and 2 and actor_kinds <@ array['user', 'service']),
  add column command_types text[] null
    check (command_types is null or (cardinality(command_types) between 1 and 64
      and array_to_string(command_types, ',') ~ '^[A-Z][A-Za-z]{1,63}(,[A-Z][A-Za-z]{1,63})*$'));

comment on column registry.producer_keys.tenants is 'Tenants this key may sign commands for; null means every tenant (registered explicitly with --all-tenants).';
comment on column registry.producer_keys.actor_kinds is 'Actor kinds this key may claim: user, service.';
comment on column registry.producer_keys.command_types is 'The only command types this key may send; null: every user command (never a service command).';
