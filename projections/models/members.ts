// Read model "members" (tables: migration 0006): each tenant's members with role, status and
// since when, plus every role change. A batch is folded in memory first, so each member is
// written once per batch: a full row when the batch added them, else a patch. An erased user's
// row and role changes are deleted (UserErased, through projection_meta.erase_user).
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';
import { columns, eraseUser, segmentsAtUserErasures, tenantsOf, text, withoutErasedTenants, type ProjectedEvent, type ReadModel } from './model.ts';

export interface MemberRow {
  tenantId: string;
  userId: string;
  email: string;
  role: string;
  status: 'active' | 'removed';
  since: string;
  lastSeq: number;
}

/** A change to a member this batch did not add: only the fields it touched. */
export interface MemberPatch {
  tenantId: string;
  userId: string;
  role: string | null;
  status: 'removed' | null;
  since: string | null;
  lastSeq: number;
}

export interface RoleChangeRow {
  tenantId: string;
  seq: number;
  userId: string;
  fromRole: string;
  toRole: string;
  changedAt: string;
}

export interface MemberChanges {
  readonly rows: MemberRow[];
  readonly patches: MemberPatch[];
  readonly roleChanges: RoleChangeRow[];
}

type Entry = { kind: 'row'; row: MemberRow } | { kind: 'patch'; patch: MemberPatch };

/** Folds events (offset order) into one write per member. Pure. */
export function foldMembers(events: readonly ProjectedEvent[]): MemberChanges {
  const entries = new Map<string, Entry>();
  const roleChanges: RoleChangeRow[] = [];
  const entryOf = (tenantId: string, userId: string, seq: number): Entry => {
    const key = `${tenantId}/${userId}`;
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = { kind: 'patch', patch: { tenantId, userId, role: null, status: null, since: null, lastSeq: seq } };
      entries.set(key, entry);
    }
    return entry;
  };
  const add = (tenantId: string, userId: string, email: string, role: string, at: string, seq: number) =>
    entries.set(`${tenantId}/${userId}`, { kind: 'row', row: { tenantId, userId, email, role, status: 'active', since: at, lastSeq: seq } });

  for (const { event } of events) {
    const { tenantId, seq, occurredAt: at, payload } = event;
    switch (event.type) {
      case 'TenantCreated': {
        const owner = payload['owner'] as Record<string, unknown> | undefined;
        const userId = owner && text(owner, 'userId');
        const email = owner && text(owner, 'email');
        if (userId !== undefined && email !== undefined) add(tenantId, userId, email, 'owner', at, seq);
        break;
      }
      case 'MemberAdded': {
        const userId = text(payload, 'userId');
        const email = text(payload, 'email');
        const role = text(payload, 'role');
        if (userId !== undefined && email !== undefined && role !== undefined) add(tenantId, userId, email, role, at, seq);
        break;
      }
      case 'MemberRoleChanged': {
        const userId = text(payload, 'userId');
        const from = text(payload, 'from');
        const to = text(payload, 'to');
        if (userId === undefined || from === undefined || to === undefined) break;
        const entry = entryOf(tenantId, userId, seq);
        if (entry.kind === 'row') Object.assign(entry.row, { role: to, lastSeq: seq });
        else Object.assign(entry.patch, { role: to, lastSeq: seq });
        roleChanges.push({ tenantId, seq, userId, fromRole: from, toRole: to, changedAt: at });
        break;
      }
      case 'MemberRemoved': {
        const userId = text(payload, 'userId');
        if (userId === undefined) break;
        const entry = entryOf(tenantId, userId, seq);
        if (entry.kind === 'row') Object.assign(entry.row, { status: 'removed', since: at, lastSeq: seq });
        else Object.assign(entry.patch, { status: 'removed', since: at, lastSeq: seq });
        break;
      }
      default:
        break;
    }
  }
  const rows: MemberRow[] = [];
  const patches: MemberPatch[] = [];
  for (const entry of entries.values()) {
    if (entry.kind === 'row') rows.push(entry.row);
    else patches.push(entry.patch);
  }
  return { rows, patches, roleChanges };
}

export const membersModel: ReadModel = {
  name: 'members',
  async apply(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
    const { kept, erasures } = withoutErasedTenants(events);
    for (const erasure of erasures) await tx.eraseTenant(target, erasure.tenantId, erasure.seq);
    for (const segment of segmentsAtUserErasures(kept)) {
      await write(tx, target, segment.events);
      if (segment.erasure !== undefined) await eraseUser(tx, target, segment.erasure);
    }
  },
};

async function write(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
  const { rows, patches, roleChanges } = foldMembers(events);
  const schema = quoteIdent(target.schema);
  if (rows.length > 0)
    await tx.bypass(target, {
      reason: 'members.upsert',
      tenants: tenantsOf(rows),
      text: `insert into ${schema}.members (tenant_id, user_id, email, role, status, since, last_seq)
             select r.tenant_id, r.user_id, r.email, r.role, r.status, r.since, r.last_seq
             from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::bigint[])
                  as r(tenant_id, user_id, email, role, status, since, last_seq)
             where r.tenant_id = any($1::uuid[])
             on conflict (tenant_id, user_id) do update
             set email = excluded.email, role = excluded.role, status = excluded.status, since = excluded.since, last_seq = excluded.last_seq`,
      values: columns(rows, ['tenantId', 'userId', 'email', 'role', 'status', 'since', 'lastSeq']),
    });
  if (patches.length > 0)
    await tx.bypass(target, {
      reason: 'members.patch',
      tenants: tenantsOf(patches),
      text: `update ${schema}.members m
             set role = coalesce(p.role, m.role), status = coalesce(p.status, m.status),
                 since = coalesce(p.since, m.since), last_seq = p.last_seq
             from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::bigint[])
                  as p(tenant_id, user_id, role, status, since, last_seq)
             where m.tenant_id = p.tenant_id and m.user_id = p.user_id and m.tenant_id = any($1::uuid[])`,
      values: columns(patches, ['tenantId', 'userId', 'role', 'status', 'since', 'lastSeq']),
    });
  if (roleChanges.length > 0)
    await tx.bypass(target, {
      reason: 'members.role_changes',
      tenants: tenantsOf(roleChanges),
      text: `insert into ${schema}.role_changes (tenant_id, seq, user_id, from_role, to_role, changed_at)
             select r.tenant_id, r.seq, r.user_id, r.from_role, r.to_role, r.changed_at
             from unnest($2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
                  as r(tenant_id, seq, user_id, from_role, to_role, changed_at)
             where r.tenant_id = any($1::uuid[])`,
      values: columns(roleChanges, ['tenantId', 'seq', 'userId', 'fromRole', 'toRole', 'changedAt']),
    });
}
