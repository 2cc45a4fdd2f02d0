// What an operator lists without reading Kafka (issue 12, "Operators can see who is there"):
// tenants and members from the read models' views, and which consumers hold a tenant in
// quarantine (migration 0050). Runs on whatever connection the caller opened for the operator.
import type { Run } from '../adapters/postgres/quarantine.ts';

export interface TenantListing {
  readonly id: string;
  /** Null for a tenant known only from a quarantine (its first record did not verify). */
  readonly name: string | null;
  /** 'quarantined' while any consumer holds it, else 'active'. */
  readonly status: 'active' | 'quarantined';
  /** Events in its chain as projected (the last seq the read model applied). */
  readonly events: number;
  readonly activeMembers: number | null;
  /** Consumers holding it in quarantine (empty when none). */
  readonly quarantined: string[];
}

export interface MemberListing {
  readonly userId: string;
  readonly email: string;
  readonly role: string;
  readonly status: string;
  readonly since: string;
}

export async function listTenants(run: Run): Promise<TenantListing[]> {
  const { rows } = await run<{ id: string; name: string | null; events: string | null; active_members: number | null; quarantined: string[] }>(
    `with held as (
       select tenant_id, array_agg(consumer order by consumer) as consumers from quarantine.records where released_at is null group by tenant_id
     )
     select coalesce(t.tenant_id::text, h.tenant_id) as id, t.name, t.last_seq as events, t.active_members, coalesce(h.consumers, '{}') as quarantined
     from analytics.tenants t full join held h on h.tenant_id = t.tenant_id::text
     order by 1`);
  return rows.map((r) => ({
    id: r.id, name: r.name, status: r.quarantined.length > 0 ? 'quarantined' : 'active', events: Number(r.events ?? 0),
    activeMembers: r.active_members, quarantined: r.quarantined,
  }));
}

export async function listMembers(run: Run, tenantId: string): Promise<MemberListing[]> {
  const { rows } = await run<{ user_id: string; email: string; role: string; status: string; since: Date | string }>(
    'select user_id, email, role, status, since from analytics.members where tenant_id = $1::uuid order by user_id', [tenantId]);
  return rows.map((r) => ({ userId: r.user_id, email: r.email, role: r.role, status: r.status, since: r.since instanceof Date ? r.since.toISOString() : String(r.since) }));
}
