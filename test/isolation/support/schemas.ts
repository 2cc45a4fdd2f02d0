// The tables behind the analytics views right now (the active generation of each model).
import type { TwoTenants } from './two-tenants.ts';

export interface LiveTables {
  readonly tenants: string;
  readonly members: string;
  readonly roleChanges: string;
  readonly audit: string;
}

export async function liveTables(w: TwoTenants): Promise<LiveTables> {
  const rows = await w.rows('superuser', "select model, schema_name from projection_meta.generations where state = 'active'");
  const schema = (model: string) => `"${String(rows.find((r) => r['model'] === model)?.['schema_name'])}"`;
  return {
    tenants: `${schema('tenants')}.tenants`,
    members: `${schema('members')}.members`,
    roleChanges: `${schema('members')}.role_changes`,
    audit: `${schema('audit')}.audit_log`,
  };
}
