// Read model "tenants" (table: migration 0005): one row per live tenant, with its name, its
// bootstrap owner, how many active members it has and when its chain last moved. Erasing a user
// (UserErased: always an active member, domain/tenant/decide.ts) takes them out of the count
// and, when they were the bootstrap owner, redacts owner_user_id to '[erased]'.
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';
import { col, defineReadModel, Table, type RowOf } from './kit.ts';
import { ERASED, text, type ProjectedEvent, type UserErasure } from './model.ts';

const TENANTS = new Table('tenants', ['tenantId'], {
  tenantId: col.uuid(), name: col.text(), ownerUserId: col.text(), activeMembers: col.int(), createdAt: col.timestamptz(), lastSeq: col.bigint(),
  lastEventAt: col.timestamptz(),
});

export type TenantRow = RowOf<typeof TENANTS>;

/** Activity on a tenant created before this batch. */
export interface TenantPatch extends Pick<TenantRow, 'tenantId' | 'lastSeq' | 'lastEventAt'> {
  memberDelta: number;
}

export const tenantsModel = defineReadModel('tenants', foldTenants, ({ rows, patches }) => [
  TENANTS.upsert('tenants.upsert', rows),
  TENANTS.patch('tenants.activity', patches, { memberDelta: { add: 'activeMembers' }, lastSeq: 'set', lastEventAt: 'set' }),
], { eraseUser: redactOwner });

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
