// Read model "members" (tables: migration 0006): each tenant's members with role, status and
// since when, plus every role change. A batch is folded in memory first, so each member is
// written once per batch: a full row when the batch added them, else a patch. An erased user's
// row and role changes are deleted (UserErased, through projection_meta.erase_user).
import { col, defineReadModel, Table, type RowOf } from './kit.ts';
import { text, type ProjectedEvent } from './model.ts';
import { PendingWrites } from './pending-writes.ts';

const MEMBERS = new Table('members', ['tenantId', 'userId'], {
  tenantId: col.uuid(), userId: col.text(), email: col.text(), role: col.text(), status: col.text<'active' | 'removed'>(),
  since: col.timestamptz(), lastSeq: col.bigint(),
});

const ROLE_CHANGES = new Table('role_changes', ['tenantId', 'seq'], {
  tenantId: col.uuid(), seq: col.bigint(), userId: col.text(), fromRole: col.text(), toRole: col.text(), changedAt: col.timestamptz(),
});

export type MemberRow = RowOf<typeof MEMBERS>;
export type RoleChangeRow = RowOf<typeof ROLE_CHANGES>;

/** A change to a member this batch did not add: only the fields it touched. */
export interface MemberPatch extends Pick<MemberRow, 'tenantId' | 'userId' | 'lastSeq'> {
  role: string | null;
  status: 'removed' | null;
  since: string | null;
}

export const membersModel = defineReadModel('members', foldMembers, ({ rows, patches, roleChanges }) => [
  MEMBERS.upsert('members.upsert', rows),
  MEMBERS.patch('members.patch', patches, { role: 'setIfGiven', status: 'setIfGiven', since: 'setIfGiven', lastSeq: 'set' }),
  ROLE_CHANGES.append('members.role_changes', roleChanges),
]);

/** Folds events (offset order) into one write per member. Pure. */
export function foldMembers(events: readonly ProjectedEvent[]): { rows: MemberRow[]; patches: MemberPatch[]; roleChanges: RoleChangeRow[] } {
  const pending = new PendingWrites<MemberRow, MemberPatch>();
  const roleChanges: RoleChangeRow[] = [];
  const change = (tenantId: string, userId: string, seq: number, fields: Partial<MemberRow> & Partial<MemberPatch>) => {
    const entry = pending.rowOrPatch(`${tenantId}/${userId}`, () => ({ tenantId, userId, role: null, status: null, since: null, lastSeq: seq }));
    if (entry !== undefined) Object.assign(entry.kind === 'row' ? entry.row : entry.patch, fields);
  };
  const add = (tenantId: string, userId: string, email: string, role: string, at: string, seq: number) =>
    pending.setRow(`${tenantId}/${userId}`, { tenantId, userId, email, role, status: 'active', since: at, lastSeq: seq });

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
        change(tenantId, userId, seq, { role: to, lastSeq: seq });
        roleChanges.push({ tenantId, seq, userId, fromRole: from, toRole: to, changedAt: at });
        break;
      }
      case 'MemberRemoved': {
        const userId = text(payload, 'userId');
        if (userId !== undefined) change(tenantId, userId, seq, { status: 'removed', since: at, lastSeq: seq });
        break;
      }
      default:
        break;
    }
  }
  const { rows, patches } = pending.split();
  return { rows, patches, roleChanges };
}
