// The quarantine tables (migration 0050): each consumer's heads and the quarantines it raised.
// Every function takes the query function of the caller's connection or transaction, so the
// projector keeps them in its batch transaction and the other services on their own logins.
import type { GuardHead, NewQuarantine, QuarantineMark } from '../../domain/tenant/run-guard.ts';

export type Run = <R extends Record<string, unknown>>(text: string, values?: readonly unknown[]) => Promise<{ rows: R[] }>;

export interface GuardRows {
  readonly heads: Map<string, GuardHead>;
  /** Active quarantines, and released ones (their record is dismissed on a re-check). */
  readonly marks: QuarantineMark[];
}

/** A quarantine as an operator lists it. */
export interface QuarantineRow {
  readonly id: number;
  readonly consumer: string;
  readonly tenantId: string;
  readonly code: string;
  readonly detail: string;
  readonly partition: number;
  readonly offset: string;
  readonly seq: number | null;
  readonly headSeq: number | null;
  readonly quarantinedAt: string;
  readonly releasedAt: string | null;
  readonly releasedBy: string | null;
  readonly resumedAt: string | null;
}

/** The heads and quarantines of `consumer` (for `tenants`, or all when undefined). */
export async function loadGuardRows(run: Run, consumer: string, tenants?: readonly string[]): Promise<GuardRows> {
  const filter = tenants === undefined ? '' : ' and tenant_id = any($2::text[])';
  const values = tenants === undefined ? [consumer] : [consumer, [...tenants]];
  const heads = await run<{ tenant_id: string; seq: string; hash: string; partition: number; event_offset: string }>(
    `select tenant_id, seq, hash, partition, event_offset from quarantine.heads where consumer = $1${filter}`, values);
  const marks = await run<{ tenant_id: string; partition: number; event_offset: string; released: boolean }>(
    `select tenant_id, partition, event_offset, released_at is not null as released from quarantine.records where consumer = $1${filter}`, values);
  return {
    heads: new Map(heads.rows.map((r) => [r.tenant_id, { seq: Number(r.seq), hash: r.hash, partition: r.partition, offset: BigInt(r.event_offset) }])),
    marks: marks.rows.map((r) => ({ tenantId: r.tenant_id, partition: r.partition, offset: BigInt(r.event_offset), released: r.released })),
  };
}

/** Stores what a guard changed: moved heads, raised quarantines, dismissed records passed. */
export async function saveGuardChanges(
  run: Run, consumer: string,
  changes: { heads: ReadonlyMap<string, GuardHead>; raised: readonly NewQuarantine[]; dismissed: readonly QuarantineMark[]; headSeqOf: (tenantId: string) => number | null },
): Promise<void> {
  if (changes.heads.size > 0) {
    const rows = [...changes.heads];
    await run(
      `insert into quarantine.heads (consumer, tenant_id, seq, hash, partition, event_offset)
       select $1, * from unnest($2::text[], $3::bigint[], $4::text[], $5::int[], $6::bigint[])
       on conflict (consumer, tenant_id) do update set seq = excluded.seq, hash = excluded.hash,
         partition = excluded.partition, event_offset = excluded.event_offset, updated_at = now()`,
      [consumer, rows.map(([t]) => t), rows.map(([, h]) => h.seq), rows.map(([, h]) => h.hash), rows.map(([, h]) => h.partition), rows.map(([, h]) => h.offset.toString())],
    );
  }
  for (const q of changes.raised) {
    await run(
      `insert into quarantine.records (consumer, tenant_id, code, detail, partition, event_offset, seq, head_seq)
       values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing`,
      [consumer, q.tenantId, q.anomaly.code, q.anomaly.detail.slice(0, 1000), q.partition, q.offset.toString(), q.seq, changes.headSeqOf(q.tenantId)],
    );
  }
  for (const d of changes.dismissed) {
    await run(
      `update quarantine.records set resumed_at = now() where consumer = $1 and tenant_id = $2 and partition = $3 and event_offset = $4
         and released_at is not null and resumed_at is null`,
      [consumer, d.tenantId, d.partition, d.offset.toString()],
    );
  }
}

/** Released quarantines of `consumer` whose re-check has not passed their record yet. */
export async function pendingResumes(run: Run, consumer: string): Promise<{ tenantId: string; partition: number; offset: bigint }[]> {
  const { rows } = await run<{ tenant_id: string; partition: number; event_offset: string }>(
    'select tenant_id, partition, event_offset from quarantine.records where consumer = $1 and released_at is not null and resumed_at is null order by id',
    [consumer]);
  return rows.map((r) => ({ tenantId: r.tenant_id, partition: r.partition, offset: BigInt(r.event_offset) }));
}

/** Every quarantine, newest first (all, or only the active ones). */
export async function listQuarantines(run: Run, options: { all?: boolean } = {}): Promise<QuarantineRow[]> {
  const { rows } = await run<Record<string, unknown>>(
    `select id, consumer, tenant_id, code, detail, partition, event_offset, seq, head_seq, quarantined_at, released_at, released_by, resumed_at
     from quarantine.records ${options.all === true ? '' : 'where released_at is null'} order by id desc`);
  return rows.map((r) => ({
    id: Number(r['id']), consumer: String(r['consumer']), tenantId: String(r['tenant_id']), code: String(r['code']), detail: String(r['detail']),
    partition: Number(r['partition']), offset: String(r['event_offset']),
    seq: r['seq'] === null ? null : Number(r['seq']), headSeq: r['head_seq'] === null ? null : Number(r['head_seq']),
    quarantinedAt: iso(r['quarantined_at'])!, releasedAt: iso(r['released_at']), releasedBy: r['released_by'] === null ? null : String(r['released_by']),
    resumedAt: iso(r['resumed_at']),
  }));
}

/** Releases the active quarantine of (tenant, consumer); false when there is none. */
export async function releaseQuarantine(run: Run, tenantId: string, consumer: string, by: string): Promise<boolean> {
  const { rows } = await run<{ id: string }>(
    `update quarantine.records set released_at = now(), released_by = $3
     where consumer = $1 and tenant_id = $2 and released_at is null returning id`,
    [consumer, tenantId, by.slice(0, 200)]);
  return rows.length > 0;
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : String(value);
}
