// What the read models must contain after a list of events, computed without PostgreSQL (the
// models' pure folds over ALL events at once, so a batching or exactly-once bug shows up as a
// difference), and what they do contain (as the superuser, normalised the same way).
import type pg from 'pg';
import type { GeneratedEvent } from '../../bench/_synthetic-events.ts';
import { auditRow } from '../../../projections/models/audit.ts';
import { foldMembers } from '../../../projections/models/members.ts';
import { foldTenants } from '../../../projections/models/tenants.ts';
import type { ProjectedEvent } from '../../../projections/models/model.ts';

export interface ModelContents {
  readonly tenants: string[];
  readonly members: string[];
  readonly roleChanges: string[];
  readonly audit: string[];
}

const line = (values: readonly unknown[]) => values.map((v) => (v instanceof Date ? v.toISOString() : v === null ? '∅' : String(v))).join('|');

export function expectedContents(events: readonly GeneratedEvent[]): ModelContents {
  const deleted = new Set(events.filter((e) => e.event.type === 'TenantDeleted').map((e) => e.event.tenantId));
  const kept: ProjectedEvent[] = events.filter((e) => !deleted.has(e.event.tenantId)).map((e, i) => ({ event: e.event, hash: e.hash, offset: BigInt(i) }));
  const { rows: tenantRows } = foldTenants(kept);
  const { rows: memberRows, patches, roleChanges } = foldMembers(kept);
  if (patches.length > 0) throw new Error('every member of a full history is added within it');
  return {
    tenants: tenantRows.map((r) => line([r.tenantId, r.name, r.ownerUserId, r.activeMembers, r.createdAt, r.lastSeq, r.lastEventAt])).sort(),
    members: memberRows.map((r) => line([r.tenantId, r.userId, r.email, r.role, r.status, r.since, r.lastSeq])).sort(),
    roleChanges: roleChanges.map((r) => line([r.tenantId, r.seq, r.userId, r.fromRole, r.toRole, r.changedAt])).sort(),
    audit: kept.map(auditRow).map((r) => line([r.tenantId, r.seq, r.eventId, r.type, r.schemaVersion, r.actorKind, r.actorId, r.target, r.occurredAt, r.commandId, r.hash, r.prevHash, r.summary])).sort(),
  };
}

export async function actualContents(admin: pg.Pool): Promise<ModelContents> {
  const rows = async (sql: string) => (await admin.query({ text: sql, rowMode: 'array' })).rows.map((r: unknown[]) => line(r)).sort();
  return {
    tenants: await rows('select tenant_id, name, owner_user_id, active_members, created_at, last_seq::int, last_event_at from analytics.tenants'),
    members: await rows('select tenant_id, user_id, email, role, status, since, last_seq::int from analytics.members'),
    roleChanges: await rows('select tenant_id, seq::int, user_id, from_role, to_role, changed_at from analytics.member_role_changes'),
    audit: await rows('select tenant_id, seq::int, event_id, type, schema_version, actor_kind, actor_id, target, occurred_at, command_id, hash, prev_hash, summary from analytics.audit_log'),
  };
}

/** One md5 per view, over every row in key order: equal checksums, equal models. */
export async function checksums(admin: pg.Pool): Promise<Record<string, string>> {
  const sum = async (view: string, order: string) =>
    String((await admin.query(`select md5(coalesce(string_agg(v::text, E'\\n' order by ${order}), '')) as s from ${view} v`)).rows[0].s);
  return {
    tenants: await sum('analytics.tenants', 'tenant_id'),
    members: await sum('analytics.members', 'tenant_id, user_id'),
    member_role_changes: await sum('analytics.member_role_changes', 'tenant_id, seq'),
    audit_log: await sum('analytics.audit_log', 'tenant_id, seq'),
    sources: await sum('analytics.sources', 'tenant_id, source_id'),
    source_queries: await sum('analytics.source_queries', 'tenant_id, seq'),
    provider_keys: await sum('analytics.provider_keys', 'tenant_id, user_id, provider'),
    secrets: await sum('internal.secrets', 'tenant_id, owner_id, purpose, subject'),
    conversations: await sum('analytics.conversations', 'tenant_id, conversation_id'),
    chat_messages: await sum('analytics.chat_messages', 'tenant_id, seq'),
    memories: await sum('analytics.memories', 'tenant_id, memory_id'),
    chat_content: await sum('internal.chat_content', 'tenant_id, seq'),
  };
}
