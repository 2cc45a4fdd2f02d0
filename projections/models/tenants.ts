// Read model "tenants" (table: migration 0005): one row per live tenant, with its name, its
// bootstrap owner, how many active members it has and when its chain last moved. Erasing a user
// (UserErased: always an active member, domain/tenant/decide.ts) takes them out of the count
// and, when they were the bootstrap owner, redacts owner_user_id to '[erased]'.
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';
import { ERASED, columns, segmentsAtUserErasures, tenantsOf, text, withoutErasedTenants, type ProjectedEvent, type ReadModel, type UserErasure } from './model.ts';

export interface TenantRow {
  tenantId: string;
  name: string;
  ownerUserId: string;
  activeMembers: number;
  createdAt: string;
  lastSeq: number;
  lastEventAt: string;
}

/** Activity on a tenant created before this batch. */
export interface TenantPatch {
  tenantId: string;
  memberDelta: number;
  lastSeq: number;
  lastEventAt: string;
}

const MEMBER_DELTA: Readonly<Record<string, number>> = { MemberAdded: 1, MemberRemoved: -1, UserErased: -1 };

/** Folds events (offset order) into one write per tenant. Pure. */
export function foldTenants(events: readonly ProjectedEvent[]): { rows: TenantRow[]; patches: TenantPatch[] } {
  const rows = new Map<string, TenantRow>();
  const patches = new Map<string, TenantPatch>();
  for (const { event } of events) {
    const { tenantId, seq, occurredAt } = event;
    if (event.type === 'TenantCreated') {
      const owner = event.payload['owner'] as Record<string, unknown> | undefined;
      rows.set(tenantId, {
        tenantId, name: text(event.payload, 'name') ?? '', ownerUserId: (owner && text(owner, 'userId')) ?? '',
        activeMembers: 1, createdAt: occurredAt, lastSeq: seq, lastEventAt: occurredAt,
      });
      continue;
    }
    const delta = MEMBER_DELTA[event.type] ?? 0;
    const row = rows.get(tenantId);
    if (row !== undefined) {
      Object.assign(row, { activeMembers: row.activeMembers + delta, lastSeq: seq, lastEventAt: occurredAt });
      continue;
    }
    const patch = patches.get(tenantId) ?? { tenantId, memberDelta: 0, lastSeq: seq, lastEventAt: occurredAt };
    patches.set(tenantId, { ...patch, memberDelta: patch.memberDelta + delta, lastSeq: seq, lastEventAt: occurredAt });
  }
  return { rows: [...rows.values()], patches: [...patches.values()] };
}

export const tenantsModel: ReadModel = {
  name: 'tenants',
  async apply(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
    const { kept, erasures } = withoutErasedTenants(events);
    for (const erasure of erasures) await tx.eraseTenant(target, erasure.tenantId, erasure.seq);
    for (const segment of segmentsAtUserErasures(kept)) {
      await write(tx, target, segment.events);
      if (segment.erasure !== undefined) await redactOwner(tx, target, segment.erasure);
    }
  },
};

/** The tenants table names a user only as its bootstrap owner: redacted, the row stays. */
async function redactOwner(tx: ProjectorTransaction, target: ModelTarget, erasure: UserErasure): Promise<void> {
  await tx.bypass(target, {
    reason: 'tenants.erase_user',
    tenants: [erasure.tenantId],
    text: `update ${quoteIdent(target.schema)}.tenants t set owner_user_id = $3
           where t.owner_user_id = $2 and t.tenant_id = any($1::uuid[])`,
    values: [erasure.userId, ERASED],
  });
}

async function write(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
  const { rows, patches } = foldTenants(events);
  const schema = quoteIdent(target.schema);
  if (rows.length > 0)
    await tx.bypass(target, {
      reason: 'tenants.upsert',
      tenants: tenantsOf(rows),
      text: `insert into ${schema}.tenants (tenant_id, name, owner_user_id, active_members, created_at, last_seq, last_event_at)
             select r.tenant_id, r.name, r.owner_user_id, r.active_members, r.created_at, r.last_seq, r.last_event_at
             from unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::bigint[], $8::timestamptz[])
                  as r(tenant_id, name, owner_user_id, active_members, created_at, last_seq, last_event_at)
             where r.tenant_id = any($1::uuid[])
             on conflict (tenant_id) do update
             set name = excluded.name, owner_user_id = excluded.owner_user_id, active_members = excluded.active_members,
                 created_at = excluded.created_at, last_seq = excluded.last_seq, last_event_at = excluded.last_event_at`,
      values: columns(rows, ['tenantId', 'name', 'ownerUserId', 'activeMembers', 'createdAt', 'lastSeq', 'lastEventAt']),
    });
  if (patches.length > 0)
    await tx.bypass(target, {
      reason: 'tenants.activity',
      tenants: tenantsOf(patches),
      text: `update ${schema}.tenants t
             set active_members = t.active_members + p.member_delta, last_seq = p.last_seq, last_event_at = p.last_event_at
             from unnest($2::uuid[], $3::int[], $4::bigint[], $5::timestamptz[]) as p(tenant_id, member_delta, last_seq, last_event_at)
             where t.tenant_id = p.tenant_id and t.tenant_id = any($1::uuid[])`,
      values: columns(patches, ['tenantId', 'memberDelta', 'lastSeq', 'lastEventAt']),
    });
}
