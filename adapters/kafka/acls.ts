// Least privilege on the broker: the ACLs of every Palisade principal (docs/producers.md,
// docs/spec.md "Kafka principals"). `serviceAcls` is pure (unit-tested); `ensureAcls` creates
// them with an admin login (creating an ACL that exists changes nothing). The admin principal is
// the broker's only super user and needs none.
import kafkajs from 'kafkajs';
import type { AclEntry } from 'kafkajs';
import type { KafkaEndpoint } from './client.ts';
import type { KafkaRole } from './principals.ts';
import { topicNames } from './topics.ts';
import { withAdmin } from './topics.ts';

const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

export type AclOperation = 'READ' | 'WRITE' | 'DESCRIBE' | 'DELETE';

/** One allow rule: `role` may `operation` on the topic / group / transactional id named (or prefixed) `name`. */
export interface AclGrant {
  readonly role: Exclude<KafkaRole, 'admin'>;
  readonly resource: 'topic' | 'group' | 'transactional-id';
  readonly pattern: 'literal' | 'prefixed';
  readonly name: string;
  readonly operation: AclOperation;
}

/**
 * Consumer groups of throwaway readers (adapters/kafka/partition-reader.ts, the producer
 * client's result tail, rebuilds): unprefixed, with a random suffix nobody can guess.
 */
export const THROWAWAY_GROUP_PREFIXES = { reader: 'palisade-reader-', client: 'palisade-client-', rebuild: 'palisade-rebuild-' } as const;

/** The long-running consumer groups (and the processor's transactional ids) under a topic prefix. */
export function serviceGroups(prefix: string): { processor: string; projector: string; anchorer: string; chatWorker: string } {
  return {
    processor: `${prefix}palisade-processor`,
    projector: `${prefix}palisade-projector`,
    anchorer: `${prefix}palisade-anchorer`,
    chatWorker: `${prefix}palisade-chat-worker`,
  };
}

/**
 * Who may do what under `prefix` (PALISADE_TOPIC_PREFIX): only the processor writes events,
 * results and dead letters; producers write commands and read results (their replies);
 * readers read what they consume; only the anchorer writes anchors.
 */
export function serviceAcls(prefix: string): AclGrant[] {
  const t = topicNames(prefix);
  const g = serviceGroups(prefix);
  const grants: AclGrant[] = [];
  const topic = (role: AclGrant['role'], name: string, ...operations: AclOperation[]) =>
    operations.forEach((operation) => grants.push({ role, resource: 'topic', pattern: 'literal', name, operation }));
  const group = (role: AclGrant['role'], name: string, ...operations: AclOperation[]) =>
    operations.forEach((operation) => grants.push({ role, resource: 'group', pattern: 'prefixed', name, operation }));

  topic('processor', t.commands, 'READ');
  topic('processor', t.events, 'READ', 'WRITE');
  topic('processor', t.results, 'READ', 'WRITE');
  topic('processor', t.deadLetter, 'WRITE');
  group('processor', g.processor, 'READ', 'DESCRIBE');
  grants.push({ role: 'processor', resource: 'transactional-id', pattern: 'prefixed', name: g.processor, operation: 'WRITE' });
  grants.push({ role: 'processor', resource: 'transactional-id', pattern: 'prefixed', name: g.processor, operation: 'DESCRIBE' });

  for (const role of ['producer', 'chat-worker'] as const) {
    topic(role, t.commands, 'WRITE');
    topic(role, t.results, 'READ');
    group(role, THROWAWAY_GROUP_PREFIXES.client, 'READ', 'DELETE');
  }
  topic('projector', t.events, 'READ');
  group('projector', g.projector, 'READ', 'DESCRIBE');
  group('projector', THROWAWAY_GROUP_PREFIXES.rebuild, 'READ', 'DELETE');
  topic('anchorer', t.events, 'READ');
  topic('anchorer', t.anchors, 'READ', 'WRITE');
  group('anchorer', g.anchorer, 'READ', 'DESCRIBE');
  topic('chat-worker', t.events, 'READ');
  group('chat-worker', g.chatWorker, 'READ', 'DESCRIBE');
  topic('auditor', t.events, 'READ');
  topic('auditor', t.anchors, 'READ');
  // `palisade demo` asks whether a processor runs (describes its group).
  group('auditor', g.processor, 'DESCRIBE');
  // Every reader may read a topic to its end through a throwaway group (what it may read is the topic ACLs' call).
  for (const role of ['processor', 'producer', 'projector', 'anchorer', 'chat-worker', 'auditor'] as const) group(role, THROWAWAY_GROUP_PREFIXES.reader, 'READ', 'DELETE');
  return grants;
}

function aclEntry(grant: AclGrant, principal: (role: KafkaRole) => string): AclEntry {
  return {
    resourceType: { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP, 'transactional-id': AclResourceTypes.TRANSACTIONAL_ID }[grant.resource],
    resourceName: grant.name,
    resourcePatternType: grant.pattern === 'literal' ? ResourcePatternTypes.LITERAL : ResourcePatternTypes.PREFIXED,
    principal: `User:${principal(grant.role)}`,
    host: '*',
    operation: AclOperationTypes[grant.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** Create `grants` as the admin; `principal` names each role's user on this cluster. */
export async function ensureAcls(admin: KafkaEndpoint, grants: readonly AclGrant[], principal: (role: KafkaRole) => string): Promise<number> {
  if (grants.length === 0) return 0;
  await withAdmin(admin, (client) => client.createAcls({ acl: grants.map((grant) => aclEntry(grant, principal)) }));
  return grants.length;
}

/** Delete `grants` (a test prefix's, when its topics go). */
export async function deleteAcls(admin: KafkaEndpoint, grants: readonly AclGrant[], principal: (role: KafkaRole) => string): Promise<void> {
  if (grants.length === 0) return;
  await withAdmin(admin, (client) => client.deleteAcls({ filters: grants.map((grant) => aclEntry(grant, principal)) }));
}
