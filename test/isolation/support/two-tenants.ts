// The isolation suite's world: tenants Acme (A) and Globex (B) with rich data made through real
// signed commands (members added, re-roled, removed; authorization refusals recorded in the
// chain), a third tenant Initech deleted (its rows erased), the projector caught up, and real
// logins for every principal: four analysts (A, A with audit, B, B with audit) from the CLI's
// grant, plus the app and projector roles with LOGIN passwords (what an operator would set).
// Every string of Globex and Initech carries a marker ("globex", "gx-", "initech", "in-"), so a
// leak anywhere shows up in JSON.stringify of whatever an attack returned.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { expect } from 'vitest';
import type { CommandInput, PalisadeClient } from '../../../producers/client.ts';
import type { Role } from '../../../domain/tenant/index.ts';
import { grantAnalyst, type GrantedAnalyst } from '../../../projections/tenancy/analysts.ts';
import { ReadModelSpine } from '../../projections/support/read-models.ts';
import { RoleSessions, loginUrl } from '../../projections/support/role-sessions.ts';

export type Principal = 'analystA' | 'auditorA' | 'analystB' | 'auditorB' | 'app' | 'projector' | 'superuser';

export interface TenantFacts {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly admin: string;
  /** Active members (incl. owner) at the end of the fixture. */
  readonly active: readonly string[];
  readonly removed: readonly string[];
  readonly viewer: string;
}

const user = (id: string) => ({ kind: 'user' as const, id });

function commands(t: string, names: { name: string; domain: string; p: string }): CommandInput[] {
  const { p, domain } = names;
  const u = (n: string) => `${p}${n}`;
  const add = (actor: string, userId: string, role: Role): CommandInput => ({ tenantId: t, type: 'AddMember', actor: user(u(actor)), payload: { userId: u(userId), email: `${u(userId)}@${domain}`, role } });
  const change = (actor: string, userId: string, role: Role): CommandInput => ({ tenantId: t, type: 'ChangeRole', actor: user(u(actor)), payload: { userId: u(userId), role } });
  return [
    { tenantId: t, type: 'CreateTenant', actor: user(u('owner')), payload: { name: names.name, owner: { userId: u('owner'), email: `${u('owner')}@${domain}` } } },
    add('owner', 'admin', 'admin'),
    add('admin', 'carol', 'member'),
    add('admin', 'dave', 'member'),
    add('owner', 'erin', 'viewer'),
    add('owner', 'frank', 'member'),
    change('owner', 'carol', 'viewer'),
    change('admin', 'frank', 'admin'),
    { tenantId: t, type: 'RemoveMember', actor: user(u('owner')), payload: { userId: u('dave'), reason: `${p}left the company` } },
    // Refusals, recorded in the tenant's own chain (CommandRejected).
    { tenantId: t, type: 'AddMember', actor: user(u('erin')), payload: { userId: u('mallory'), email: `${u('mallory')}@${domain}`, role: 'owner' } },
    { tenantId: t, type: 'AddMember', actor: user(u('stranger')), payload: { userId: u('eve'), email: `${u('eve')}@${domain}`, role: 'owner' } },
  ];
}

export class TwoTenants extends RoleSessions<Principal> {
  readonly a: TenantFacts;
  readonly b: TenantFacts;
  /** Deleted: nothing of it may remain anywhere. */
  readonly c: { readonly id: string };
  readonly analysts: Readonly<Record<'analystA' | 'auditorA' | 'analystB' | 'auditorB', GrantedAnalyst>>;
  /** Every principal has a login here. */
  declare readonly urls: Readonly<Record<Principal, string>>;

  private constructor(rm: ReadModelSpine, a: TenantFacts, b: TenantFacts, c: string, analysts: TwoTenants['analysts'], urls: Readonly<Record<Principal, string>>) {
    super(rm, urls);
    this.a = a;
    this.b = b;
    this.c = { id: c };
    this.analysts = analysts;
  }

  static async create(): Promise<TwoTenants> {
    const rm = await ReadModelSpine.create();
    try {
      await rm.spine.startProcessor();
      const client = await rm.spine.client();
      const [aId, bId, cId] = [randomUUID(), randomUUID(), randomUUID()];
      await sendAll(client, commands(aId, { name: 'Acme Corp', domain: 'acme.example', p: 'ac-' }));
      await sendAll(client, commands(bId, { name: 'Globex Secret Labs', domain: 'globex-secret.example', p: 'gx-' }));
      await sendAll(client, [
        ...commands(cId, { name: 'Initech', domain: 'initech.example', p: 'in-' }).slice(0, 4),
        { tenantId: cId, type: 'DeleteTenant', actor: user('in-owner'), payload: { reason: 'in-closing down' } },
      ]);
      await rm.startProjector();
      await rm.waitForProjection();
      const facts = (id: string, p: string, name: string): TenantFacts => ({
        id, name, owner: `${p}owner`, admin: `${p}admin`, viewer: `${p}erin`,
        active: [`${p}owner`, `${p}admin`, `${p}carol`, `${p}erin`, `${p}frank`], removed: [`${p}dave`],
      });
      const grant = (tenantId: string, name: string, audit: boolean) => grantAnalyst(rm.url, { tenantId, name, audit });
      const analysts = {
        analystA: await grant(aId, 'ann', false),
        auditorA: await grant(aId, 'audra', true),
        analystB: await grant(bId, 'ben', false),
        auditorB: await grant(bId, 'bella', true),
      };
      const login = (role: string) => loginUrl(rm, role);
      const urls = {
        analystA: analysts.analystA.connectionString, auditorA: analysts.auditorA.connectionString,
        analystB: analysts.analystB.connectionString, auditorB: analysts.auditorB.connectionString,
        app: await login(rm.roles.app), projector: await login(rm.roles.projector), superuser: rm.url,
      };
      return new TwoTenants(rm, facts(aId, 'ac-', 'Acme Corp'), facts(bId, 'gx-', 'Globex Secret Labs'), cId, analysts, urls);
    } catch (error) {
      await rm.close().catch(() => undefined);
      throw error;
    }
  }

  /** Nothing of Globex or Initech in `value` (any shape). */
  expectNoForeign(value: unknown): void {
    const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).toLowerCase();
    for (const marker of ['globex', 'gx-', this.b.id, 'initech', 'in-', this.c.id]) expect(text, `leaked "${marker}"`).not.toContain(marker);
  }

  /** Non-empty, all of tenant A, nothing foreign: the attack returned exactly what A may see. */
  expectOnlyA(rows: readonly Record<string, unknown>[], minimum = 1): void {
    expect(rows.length).toBeGreaterThanOrEqual(minimum);
    for (const row of rows) if ('tenant_id' in row) expect(row['tenant_id']).toBe(this.a.id);
    this.expectNoForeign(rows);
  }

  /** An error that reveals nothing foreign, with this SQLSTATE. */
  expectDenied(error: pg.DatabaseError, sqlState: string, message?: RegExp): void {
    expect(error.code, error.message).toBe(sqlState);
    if (message !== undefined) expect(error.message).toMatch(message);
    this.expectNoForeign({ message: error.message, detail: error.detail, hint: error.hint, where: error.where });
  }
}

async function sendAll(client: PalisadeClient, inputs: readonly CommandInput[]): Promise<void> {
  for (const input of inputs) {
    const result = await client.send(input);
    const refusal = input.actor.id.endsWith('erin') || input.actor.id.endsWith('stranger');
    expect(result.outcome, `${input.type} by ${input.actor.id}: ${result.code ?? ''}`).toBe(refusal ? 'rejected' : 'accepted');
  }
}
