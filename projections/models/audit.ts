// Read model "audit" (table: migration 0007): one append-only row per event of each tenant's
// chain. Visible to the tenant's owners and admins only (policy in SQL), never updated but for
// one redaction — an erased user's id becomes '[erased]' (UserErased, projection_meta.erase_user,
// which knows where audit-summary.ts puts user ids) — and deleted only with the tenant through
// projection_meta.erase_tenant.
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';
import { auditText } from './audit-summary.ts';
import { columns, eraseUser, segmentsAtUserErasures, tenantsOf, withoutErasedTenants, type ProjectedEvent, type ReadModel } from './model.ts';

export interface AuditRow {
  tenantId: string;
  seq: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  actorKind: string;
  actorId: string;
  target: string | null;
  occurredAt: string;
  commandId: string;
  hash: string;
  prevHash: string;
  summary: string;
}

export function auditRow({ event, hash }: ProjectedEvent): AuditRow {
  const { target, summary } = auditText(event);
  return {
    tenantId: event.tenantId, seq: event.seq, eventId: event.eventId, type: event.type, schemaVersion: event.schemaVersion,
    actorKind: event.actor.kind, actorId: event.actor.id, target, occurredAt: event.occurredAt, commandId: event.commandId,
    hash, prevHash: event.prevHash, summary,
  };
}

export const auditModel: ReadModel = {
  name: 'audit',
  async apply(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
    const { kept, erasures } = withoutErasedTenants(events);
    for (const erasure of erasures) await tx.eraseTenant(target, erasure.tenantId, erasure.seq);
    // The UserErased row itself is appended before the erasure, which then redacts it too.
    for (const segment of segmentsAtUserErasures(kept)) {
      await append(tx, target, segment.events);
      if (segment.erasure !== undefined) await eraseUser(tx, target, segment.erasure);
    }
  },
};

async function append(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(auditRow);
  // A duplicate (tenant_id, seq) fails the batch on purpose: exactly-once must not be papered over.
  await tx.bypass(target, {
    reason: 'audit.append',
    tenants: tenantsOf(rows),
    text: `insert into ${quoteIdent(target.schema)}.audit_log
             (tenant_id, seq, event_id, type, schema_version, actor_kind, actor_id, target, occurred_at, command_id, hash, prev_hash, summary)
           select r.* from unnest($2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[],
                                  $10::timestamptz[], $11::uuid[], $12::text[], $13::text[], $14::text[])
                as r(tenant_id, seq, event_id, type, schema_version, actor_kind, actor_id, target, occurred_at, command_id, hash, prev_hash, summary)
           where r.tenant_id = any($1::uuid[])`,
    values: columns(rows, ['tenantId', 'seq', 'eventId', 'type', 'schemaVersion', 'actorKind', 'actorId', 'target', 'occurredAt', 'commandId', 'hash', 'prevHash', 'summary']),
  });
}
