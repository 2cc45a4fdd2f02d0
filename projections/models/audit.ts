// Read model "audit" (table: migration 0007): one append-only row per event of each tenant's
// chain. Visible to the tenant's owners and admins only (policy in SQL), never updated but for
// one redaction — an erased user's id becomes '[erased]' (UserErased, projection_meta.erase_user,
// which knows where audit-summary.ts puts user ids) — and deleted only with the tenant through
// projection_meta.erase_tenant.
import { auditText } from './audit-summary.ts';
import { col, defineReadModel, Table, type RowOf } from './kit.ts';
import type { ProjectedEvent } from './model.ts';

const AUDIT_LOG = new Table('audit_log', ['tenantId', 'seq'], {
  tenantId: col.uuid(), seq: col.bigint(), eventId: col.uuid(), type: col.text(), schemaVersion: col.int(), actorKind: col.text(), actorId: col.text(),
  target: col.text<string | null>(), occurredAt: col.timestamptz(), commandId: col.uuid(), hash: col.text(), prevHash: col.text(), summary: col.text(),
});

export type AuditRow = RowOf<typeof AUDIT_LOG>;

// A duplicate (tenant_id, seq) fails the batch on purpose: exactly-once must not be papered over.
// The UserErased row itself is appended before the erasure, which then redacts it too.
export const auditModel = defineReadModel('audit', (events) => events.map(auditRow), (rows) => [AUDIT_LOG.append('audit.append', rows)]);

export function auditRow({ event, hash }: ProjectedEvent): AuditRow {
  const { target, summary } = auditText(event);
  return {
    tenantId: event.tenantId, seq: event.seq, eventId: event.eventId, type: event.type, schemaVersion: event.schemaVersion,
    actorKind: event.actor.kind, actorId: event.actor.id, target, occurredAt: event.occurredAt, commandId: event.commandId,
    hash, prevHash: event.prevHash, summary,
  };
}
