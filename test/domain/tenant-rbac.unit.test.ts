// The RBAC matrix of the tenant aggregate: every command × every kind of actor × the targets
// that matter, with the expected outcome (event type or rejection code). This table is the
// documented matrix; domain/tenant/README.md embeds its rendering, checked by the last test.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/messages.ts';
import { tenantDecider } from '../../domain/tenant/index.ts';
import type { RejectionCode, TenantCommand, TenantEvent } from '../../domain/tenant/index.ts';
import {
  addMember,
  assistantReplied,
  authorizeSourceQuery,
  changeRole,
  chatTurn,
  chatTurnRequested,
  connectSource,
  conversationStarted,
  createTenant,
  deleteConversation,
  deleteProviderKey,
  deleteTenant,
  disconnectSource,
  eraseUser,
  forgetMemory,
  memberAdded,
  memberRoleChanged,
  memoryStored,
  providerKeyResealed,
  providerKeyStored,
  recordFailure,
  recordReply,
  removeMember,
  resealProviderKey,
  resealSourceCredential,
  rotateProviderKey,
  rotateSourceCredential,
  rotateTenantKey,
  service,
  sourceConnected,
  startConversation,
  storeMemory,
  storeProviderKey,
  system,
  tenantCreated,
  UNKNOWN_SOURCE,
  user,
  userErased,
} from './tenant-fixtures.ts';

// Two of each managing role, so "another owner/admin/member" is never the actor itself.
const TENANT: readonly TenantEvent[] = [
  tenantCreated('alice'),
  memberAdded('olivia', 'owner'),
  memberAdded('adam', 'admin'),
  memberAdded('ada', 'admin'),
  memberAdded('mia', 'member'),
  memberAdded('max', 'member'),
  memberAdded('vic', 'viewer'),
];

// The same tenant, where the owner, admin, member and viewer (a member until demoted) each own
// a source and an anthropic key; "another member" (max) owns a source, a legacy openai key, a
// re-sealed mistral key and a legacy source; and a member (ed) was erased.
const SOURCES: Readonly<Record<string, string>> = {
  alice: '1a000000-0000-4000-8000-000000000001',
  adam: '1a000000-0000-4000-8000-000000000002',
  mia: '1a000000-0000-4000-8000-000000000003',
  vic: '1a000000-0000-4000-8000-000000000004',
  max: '1a000000-0000-4000-8000-000000000005',
};
const MAX_LEGACY_SOURCE = '1a000000-0000-4000-8000-000000000006';
const NEW_SOURCE = '1a000000-0000-4000-8000-0000000000ff';
const sourceOf = (actor: Actor): string => SOURCES[actor.id] ?? UNKNOWN_SOURCE;
const VAULT_TENANT: readonly TenantEvent[] = [
  tenantCreated('alice'),
  memberAdded('olivia', 'owner'),
  memberAdded('adam', 'admin'),
  memberAdded('ada', 'admin'),
  memberAdded('mia', 'member'),
  memberAdded('max', 'member'),
  memberAdded('vic', 'member'),
  ...['alice', 'adam', 'mia', 'vic', 'max'].map((id) => sourceConnected(id, SOURCES[id]!)),
  ...['alice', 'adam', 'mia', 'vic'].map((id) => providerKeyStored(id)),
  memberRoleChanged('vic', 'member', 'viewer'),
  providerKeyStored('max', 'openai', true),
  providerKeyStored('max', 'mistral', true),
  providerKeyResealed('max', 'mistral', 1),
  sourceConnected('max', MAX_LEGACY_SOURCE, true),
  memberAdded('ed', 'member'),
  userErased('ed'),
];

// The same team again, where the owner, admin, member and viewer (a member until demoted) each
// started a conversation (one message awaiting its reply) and stored a memory; "another member"
// (max) has a conversation with a pending and an answered message, and a memory; and a member
// (ed) who had a conversation was erased.
const chatId = (kind: string, n: number): string => `${kind}000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const CONVERSATIONS: Readonly<Record<string, string>> = {
  alice: chatId('2c', 1), adam: chatId('2c', 2), mia: chatId('2c', 3), vic: chatId('2c', 4), max: chatId('2c', 5), ed: chatId('2c', 6),
};
const MEMORIES: Readonly<Record<string, string>> = { alice: chatId('2e', 1), adam: chatId('2e', 2), mia: chatId('2e', 3), vic: chatId('2e', 4), max: chatId('2e', 5) };
const ASKED = chatId('2d', 1);
const ANSWERED = chatId('2d', 2);
const NEW_ID = chatId('2f', 0xff);
const UNKNOWN_ID = chatId('2f', 0xdead);
const conversationOf = (actor: Actor): string => CONVERSATIONS[actor.id] ?? UNKNOWN_ID;
const memoryOf = (actor: Actor): string => MEMORIES[actor.id] ?? UNKNOWN_ID;
const CHAT_TENANT: readonly TenantEvent[] = [
  ...TENANT.slice(0, -1),
  memberAdded('vic', 'member'),
  ...['alice', 'adam', 'mia', 'vic', 'max'].flatMap((id) => [
    conversationStarted(id, CONVERSATIONS[id]!),
    chatTurnRequested(id, CONVERSATIONS[id]!, ASKED),
    memoryStored(id, MEMORIES[id]!),
  ]),
  memberRoleChanged('vic', 'member', 'viewer'),
  chatTurnRequested('max', CONVERSATIONS['max']!, ANSWERED),
  assistantReplied('max', CONVERSATIONS['max']!, ANSWERED),
  memberAdded('ed', 'member'),
  conversationStarted('ed', CONVERSATIONS['ed']!),
  chatTurnRequested('ed', CONVERSATIONS['ed']!, ASKED),
  userErased('ed'),
];

const ACTORS = {
  owner: user('alice'),
  admin: user('adam'),
  member: user('mia'),
  viewer: user('vic'),
  'non-member user': user('nora'),
  service: service(),
  system: system(),
} as const satisfies Record<string, Actor>;
// Before the tenant exists nobody has a role: a user is a user.
const CREATE_ACTORS = { user: user('alice'), service: service(), system: system() } as const satisfies Record<string, Actor>;

type Outcome = TenantEvent['type'] | RejectionCode;
type Expected = readonly Outcome[];
interface Row {
  readonly command: TenantCommand['type'];
  readonly target: string;
  readonly build: (actor: Actor) => TenantCommand;
  readonly expected: Expected;
}
const row = (build: (actor: Actor) => TenantCommand, target: string, expected: Expected): Row => ({
  command: build(ACTORS.owner).type,
  target,
  build,
  expected,
});

const EXISTS = 'TENANT_EXISTS', FORBID = 'FORBIDDEN', NOT_IN = 'NOT_A_MEMBER', NOT_FOUND = 'MEMBER_NOT_FOUND';
const ADDED = 'MemberAdded', CHANGED = 'MemberRoleChanged', REMOVED = 'MemberRemoved';

// prettier-ignore
const MATRIX: readonly Row[] = [
  //                                                                 owner       admin       member     viewer     non-member  service     system
  row((a) => addMember(a, 'newbie', 'owner'),  'new user as owner',  [ADDED,     FORBID,     FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => addMember(a, 'newbie', 'admin'),  'new user as admin',  [ADDED,     ADDED,      FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => addMember(a, 'newbie', 'member'), 'new user as member', [ADDED,     ADDED,      FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => addMember(a, 'newbie', 'viewer'), 'new user as viewer', [ADDED,     ADDED,      FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => addMember(a, 'max', 'viewer'),    'an existing member', ['MEMBER_EXISTS', 'MEMBER_EXISTS', FORBID, FORBID, NOT_IN, NOT_IN,  NOT_IN]),
  row((a) => addMember(a, 'newbie', 'viewer', 'MIA@example.com'), "new user with a member's email",
                                                                     ['EMAIL_IN_USE', 'EMAIL_IN_USE', FORBID, FORBID, NOT_IN,   NOT_IN,     NOT_IN]),
  row((a) => changeRole(a, a.id, 'owner'),     'self → owner',       ['ROLE_UNCHANGED', FORBID, FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => changeRole(a, a.id, 'viewer'),    'self → viewer',      [CHANGED,   CHANGED,    FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => changeRole(a, 'olivia', 'admin'), 'another owner → admin', [CHANGED, FORBID,     FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => changeRole(a, 'ada', 'owner'),    'an admin → owner',   [CHANGED,   FORBID,     FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => changeRole(a, 'ada', 'member'),   'an admin → member',  [CHANGED,   CHANGED,    FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => changeRole(a, 'max', 'admin'),    'a member → admin',   [CHANGED,   CHANGED,    FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => changeRole(a, 'max', 'owner'),    'a member → owner',   [CHANGED,   FORBID,     FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => changeRole(a, 'nobody', 'member'), 'a non-member → member', [NOT_FOUND, NOT_FOUND, FORBID, FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => removeMember(a, { userId: a.id }), 'self (leave)',      [REMOVED,   REMOVED,    REMOVED,   REMOVED,   NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => removeMember(a, { userId: 'olivia' }), 'another owner', [REMOVED,   FORBID,     FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => removeMember(a, { userId: 'ada' }), 'an admin',         [REMOVED,   REMOVED,    FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => removeMember(a, { userId: 'max' }), 'a member',         [REMOVED,   REMOVED,    FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => removeMember(a, { userId: 'nobody' }), 'a non-member',  [NOT_FOUND, NOT_FOUND,  FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => deleteTenant(a),                  'the tenant',         ['TenantDeleted', FORBID, FORBID,  FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => createTenant(a, a.id),            'again, self as owner', [EXISTS,  EXISTS,     EXISTS,    EXISTS,    EXISTS,     EXISTS,     EXISTS]),
  row((a) => createTenant(a, 'olivia'),        'again, another user as owner', [FORBID, FORBID, FORBID, FORBID,    FORBID,     EXISTS,     EXISTS]),
];

const NO_OWN = 'NOT_SOURCE_OWNER', NO_SRC = 'SOURCE_NOT_FOUND', NO_KEY = 'PROVIDER_KEY_NOT_FOUND', ERASED = 'USER_ERASED';
const RESEALED = 'LegacySecretResealed';

// prettier-ignore
const VAULT_MATRIX: readonly Row[] = [
  //                                                                                owner       admin       member     viewer     non-member  service     system
  row((a) => connectSource(a, NEW_SOURCE),                'a new source id',          ['SourceConnected', 'SourceConnected', 'SourceConnected', FORBID, NOT_IN, NOT_IN, NOT_IN]),
  row((a) => connectSource(a, SOURCES['max']!),           "another member's source id", ['SOURCE_EXISTS', 'SOURCE_EXISTS', 'SOURCE_EXISTS', FORBID, NOT_IN, NOT_IN, NOT_IN]),
  row((a) => rotateSourceCredential(a, sourceOf(a)),      'own source',               ['SourceCredentialRotated', 'SourceCredentialRotated', 'SourceCredentialRotated', 'SourceCredentialRotated', NOT_IN, NOT_IN, NOT_IN]),
  row((a) => rotateSourceCredential(a, SOURCES['max']!),  "another member's source",  [NO_OWN,    NO_OWN,     NO_OWN,    NO_OWN,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => rotateSourceCredential(a, UNKNOWN_SOURCE),   'an unknown source',        [NO_SRC,    NO_SRC,     NO_SRC,    NO_SRC,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => disconnectSource(a, sourceOf(a)),            'own source',               ['SourceDisconnected', 'SourceDisconnected', 'SourceDisconnected', 'SourceDisconnected', NOT_IN, NOT_IN, NOT_IN]),
  row((a) => disconnectSource(a, SOURCES['max']!),        "another member's source",  ['SourceDisconnected', 'SourceDisconnected', NO_OWN, NO_OWN, NOT_IN, NOT_IN, NOT_IN]),
  row((a) => authorizeSourceQuery(a, sourceOf(a)),        'own source',               ['SourceQueryAuthorized', 'SourceQueryAuthorized', 'SourceQueryAuthorized', 'SourceQueryAuthorized', NOT_IN, NOT_IN, NOT_IN]),
  row((a) => authorizeSourceQuery(a, SOURCES['max']!),    "another member's source",  [NO_OWN,    NO_OWN,     NO_OWN,    NO_OWN,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => storeProviderKey(a, 'google'),               'own key, a new provider',  ['ProviderKeyStored', 'ProviderKeyStored', 'ProviderKeyStored', FORBID, NOT_IN, NOT_IN, NOT_IN]),
  row((a) => storeProviderKey(a, 'anthropic'),            'own key, a provider they have', ['PROVIDER_KEY_EXISTS', 'PROVIDER_KEY_EXISTS', 'PROVIDER_KEY_EXISTS', FORBID, NOT_IN, NOT_IN, NOT_IN]),
  row((a) => rotateProviderKey(a, 'anthropic'),           'own key',                  ['ProviderKeyRotated', 'ProviderKeyRotated', 'ProviderKeyRotated', 'ProviderKeyRotated', NOT_IN, NOT_IN, NOT_IN]),
  row((a) => rotateProviderKey(a, 'openai'),              'a provider only another member has', [NO_KEY, NO_KEY, NO_KEY, NO_KEY, NOT_IN,  NOT_IN,     NOT_IN]),
  row((a) => deleteProviderKey(a, 'anthropic'),           'own key',                  ['ProviderKeyDeleted', 'ProviderKeyDeleted', 'ProviderKeyDeleted', 'ProviderKeyDeleted', NOT_IN, NOT_IN, NOT_IN]),
  row((a) => deleteProviderKey(a, 'openai'),              'a provider only another member has', [NO_KEY, NO_KEY, NO_KEY, NO_KEY, NOT_IN,  NOT_IN,     NOT_IN]),
  row((a) => rotateTenantKey(a),                          'the tenant',               ['TenantKeyRotated', 'TenantKeyRotated', FORBID, FORBID, NOT_IN, NOT_IN, NOT_IN]),
  row((a) => eraseUser(a, a.id),                          'self',                     ['UserErased', 'UserErased', 'UserErased', 'UserErased', NOT_IN, NOT_IN, NOT_IN]),
  row((a) => eraseUser(a, 'olivia'),                      'another owner',            ['UserErased', FORBID,   FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => eraseUser(a, 'ada'),                         'an admin',                 ['UserErased', 'UserErased', FORBID, FORBID,  NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => eraseUser(a, 'max'),                         'a member',                 ['UserErased', 'UserErased', FORBID, FORBID,  NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => eraseUser(a, 'nobody'),                      'a non-member',             [NOT_FOUND, NOT_FOUND,  FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => eraseUser(a, 'ed'),                          'an erased user',           [ERASED,    ERASED,     FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => addMember(a, 'ed', 'member'),                'an erased user',           [ERASED,    ERASED,     FORBID,    FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => resealProviderKey(a, 'max', 'openai', 1),    "a member's legacy provider key", [FORBID, FORBID, FORBID,  FORBID,    FORBID,     RESEALED,   RESEALED]),
  row((a) => resealProviderKey(a, 'max', 'mistral', 1),   "a member's re-sealed provider key", [FORBID, FORBID, FORBID, FORBID,  FORBID,     'LEGACY_ALREADY_RESEALED', 'LEGACY_ALREADY_RESEALED']),
  row((a) => resealSourceCredential(a, 'max', MAX_LEGACY_SOURCE, 1), "a member's legacy source credential", [FORBID, FORBID, FORBID, FORBID, FORBID, RESEALED, RESEALED]),
];

const NO_CONV = 'CONVERSATION_NOT_FOUND', NOT_YOURS = 'NOT_CONVERSATION_OWNER', STARTED = 'ConversationStarted', ASKED_EV = 'ChatTurnRequested';

// prettier-ignore
const CHAT_MATRIX: readonly Row[] = [
  //                                                                                owner       admin       member     viewer     non-member  service     system
  row((a) => startConversation(a, NEW_ID),                 'a new conversation id',    [STARTED,   STARTED,    STARTED,   FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => startConversation(a, CONVERSATIONS['max']!),  "another member's conversation id", ['CONVERSATION_EXISTS', 'CONVERSATION_EXISTS', 'CONVERSATION_EXISTS', FORBID, NOT_IN, NOT_IN, NOT_IN]),
  row((a) => startConversation(a, CONVERSATIONS['ed']!),   "an erased user's conversation id", ['CONVERSATION_EXISTS', 'CONVERSATION_EXISTS', 'CONVERSATION_EXISTS', FORBID, NOT_IN, NOT_IN, NOT_IN]),
  row((a) => chatTurn(a, conversationOf(a), NEW_ID),       'own conversation, a new message', [ASKED_EV, ASKED_EV, ASKED_EV, FORBID,  NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => chatTurn(a, conversationOf(a), ASKED),        'own conversation, a used message id', ['MESSAGE_EXISTS', 'MESSAGE_EXISTS', 'MESSAGE_EXISTS', FORBID, NOT_IN, NOT_IN, NOT_IN]),
  row((a) => chatTurn(a, CONVERSATIONS['max']!, NEW_ID),   "another member's conversation", [NOT_YOURS, NOT_YOURS, NOT_YOURS, FORBID, NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => chatTurn(a, UNKNOWN_ID, NEW_ID),              'an unknown conversation',  [NO_CONV,   NO_CONV,    NO_CONV,   FORBID,    NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => deleteConversation(a, conversationOf(a)),     'own conversation',         ['ConversationDeleted', 'ConversationDeleted', 'ConversationDeleted', 'ConversationDeleted', NOT_IN, NOT_IN, NOT_IN]),
  row((a) => deleteConversation(a, CONVERSATIONS['max']!), "another member's conversation", [NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_IN,  NOT_IN,     NOT_IN]),
  row((a) => deleteConversation(a, CONVERSATIONS['ed']!),  "an erased user's conversation", [NO_CONV, NO_CONV,    NO_CONV,   NO_CONV,   NOT_IN,     NOT_IN,     NOT_IN]),
  row((a) => recordReply(a, 'max', CONVERSATIONS['max']!, ASKED), "a member's pending message, a reply", [FORBID, FORBID, FORBID, FORBID, FORBID,   'AssistantReplied', 'AssistantReplied']),
  row((a) => recordFailure(a, 'max', CONVERSATIONS['max']!, ASKED), "a member's pending message, a failure", [FORBID, FORBID, FORBID, FORBID, FORBID, 'ChatTurnFailed', 'ChatTurnFailed']),
  row((a) => recordReply(a, 'max', CONVERSATIONS['max']!, ANSWERED), "a member's answered message", [FORBID, FORBID, FORBID, FORBID, FORBID,      'REPLY_EXISTS', 'REPLY_EXISTS']),
  row((a) => recordReply(a, 'mia', CONVERSATIONS['max']!, ASKED), "a member's message, named as another's", [FORBID, FORBID, FORBID, FORBID, FORBID, NO_CONV, NO_CONV]),
  row((a) => recordReply(a, 'ed', CONVERSATIONS['ed']!, ASKED), "an erased user's message", [FORBID, FORBID, FORBID, FORBID, FORBID,          ERASED,     ERASED]),
  row((a) => storeMemory(a, NEW_ID),                       'a new memory id',          ['MemoryStored', 'MemoryStored', 'MemoryStored', FORBID, NOT_IN, NOT_IN, NOT_IN]),
  row((a) => storeMemory(a, MEMORIES['max']!),             "another member's memory id", ['MEMORY_EXISTS', 'MEMORY_EXISTS', 'MEMORY_EXISTS', FORBID, NOT_IN, NOT_IN, NOT_IN]),
  row((a) => forgetMemory(a, memoryOf(a)),                 'own memory',               ['MemoryForgotten', 'MemoryForgotten', 'MemoryForgotten', 'MemoryForgotten', NOT_IN, NOT_IN, NOT_IN]),
  row((a) => forgetMemory(a, MEMORIES['max']!),            "another member's memory",  ['NOT_MEMORY_OWNER', 'NOT_MEMORY_OWNER', 'NOT_MEMORY_OWNER', 'NOT_MEMORY_OWNER', NOT_IN, NOT_IN, NOT_IN]),
  row((a) => forgetMemory(a, UNKNOWN_ID),                  'an unknown memory',        ['MEMORY_NOT_FOUND', 'MEMORY_NOT_FOUND', 'MEMORY_NOT_FOUND', 'MEMORY_NOT_FOUND', NOT_IN, NOT_IN, NOT_IN]),
];

// On an absent tenant only CreateTenant can succeed.
// prettier-ignore
const CREATE_MATRIX: readonly Row[] = [
  //                                                           user             service          system
  row((a) => createTenant(a, a.id),  'self as owner',          ['TenantCreated', 'TenantCreated', 'TenantCreated']),
  row((a) => createTenant(a, 'bob'), 'another user as owner',  [FORBID,          'TenantCreated', 'TenantCreated']),
];

function outcomeOf(command: TenantCommand, history: readonly TenantEvent[]): string {
  const state = history.reduce(tenantDecider.evolve, tenantDecider.initialState());
  const decision = tenantDecider.decide(command, state);
  if (!decision.ok) return decision.rejection.code;
  const [event, ...more] = decision.events;
  if (event === undefined || more.length > 0) return `unexpected ${decision.events.length} events`;
  // The event must be about the command's target, not the actor or anyone else.
  if ('userId' in command.data && 'userId' in event.data && event.data.userId !== command.data.userId) {
    return `${event.type} for the wrong user`;
  }
  return event.type;
}

function casesOf(matrix: readonly Row[], actors: Record<string, Actor>) {
  const names = Object.keys(actors);
  return matrix.flatMap((r) =>
    names.map((name, column) => ({
      name,
      what: `${r.command} ${r.target}`,
      command: r.build(actors[name]!),
      expected: r.expected[column] ?? 'a missing cell',
    })),
  );
}

describe('RBAC matrix', () => {
  describe('when the tenant exists with two owners, two admins, two members and a viewer', () => {
    it('has one cell per actor in every row', () => {
      for (const r of [...MATRIX, ...VAULT_MATRIX, ...CHAT_MATRIX]) expect([r.target, r.expected.length]).toStrictEqual([r.target, Object.keys(ACTORS).length]);
      for (const r of CREATE_MATRIX) expect([r.target, r.expected.length]).toStrictEqual([r.target, Object.keys(CREATE_ACTORS).length]);
    });
    it.each(casesOf(MATRIX, ACTORS))('$name: $what → $expected', ({ command, expected }) => {
      expect(outcomeOf(command, TENANT)).toBe(expected);
    });
  });
  describe('when the same tenant has sources, provider keys and an erased user', () => {
    it.each(casesOf(VAULT_MATRIX, ACTORS))('$name: $what → $expected', ({ command, expected }) => {
      expect(outcomeOf(command, VAULT_TENANT)).toBe(expected);
    });
  });
  describe('when the same tenant has conversations, memories and an erased user', () => {
    it.each(casesOf(CHAT_MATRIX, ACTORS))('$name: $what → $expected', ({ command, expected }) => {
      expect(outcomeOf(command, CHAT_TENANT)).toBe(expected);
    });
  });
  describe('when the tenant is absent', () => {
    it.each(casesOf(CREATE_MATRIX, CREATE_ACTORS))('$name: $what → $expected', ({ command, expected }) => {
      expect(outcomeOf(command, [])).toBe(expected);
    });
  });
  describe('when the matrix is documented', () => {
    it('domain/tenant/README.md shows exactly this table', () => {
      const readme = readFileSync(new URL('../../domain/tenant/README.md', import.meta.url), 'utf8');
      expect(readme).toContain(renderMarkdown(MATRIX, ACTORS));
      expect(readme).toContain(renderMarkdown(VAULT_MATRIX, ACTORS));
      expect(readme).toContain(renderMarkdown(CHAT_MATRIX, ACTORS));
      expect(readme).toContain(renderMarkdown(CREATE_MATRIX, CREATE_ACTORS));
    });
  });
});

function renderMarkdown(matrix: readonly Row[], actors: Record<string, Actor>): string {
  const header = ['Command', 'Target', ...Object.keys(actors)];
  const lines = [header, header.map(() => '---'), ...matrix.map((r) => [r.command, r.target, ...r.expected])];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
