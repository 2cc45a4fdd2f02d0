// The quarantine tables (migration 0050): each consumer's heads and the quarantines it raised.
// Every function takes the query function of the caller's connection or transaction, so the
// projector keeps them in its batch transaction and the other services on their own logins.
import { RunGuard, type GuardHead, type GuardRecord, type GuardVerdict, type NewQuarantine, type QuarantineMark, type RunGuardOptions } from '../../domain/tenant/run-guard.ts';
import { incrementCounter, QUARANTINE_COUNTERS } from '../counters.ts';

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

/** A batch admitted by a consumer's guard: a verdict per record, in order. */
export interface AdmittedBatch {
  readonly consumer: string;
  readonly guard: RunGuard;
  readonly verdicts: readonly GuardVerdict[];
}

/** Admits `records` (stream order) against what `consumer` stored for their tenants. Stores nothing. */
export async function admitBatch(run: Run, consumer: string, records: readonly GuardRecord[], options: RunGuardOptions = {}): Promise<AdmittedBatch> {
  const stored = records.length === 0 ? { heads: new Map(), marks: [] } : await loadGuardRows(run, consumer, [...new Set(records.map((r) => r.tenantId))]);
  const guard = new RunGuard(stored.heads, stored.marks, options);
  return { consumer, guard, verdicts: records.map((r) => guard.admit(r)) };
}

/** Stores what the batch changed; run it with (or before) the consumer's own position. */
export function saveAdmitted(run: Run, batch: AdmittedBatch): Promise<void> {
  const { guard } = batch;
  return saveGuardChanges(run, batch.consumer, {
    heads: guard.changedHeads(), raised: guard.raised(), dismissed: guard.dismissed(), headSeqOf: (tenantId) => guard.headOf(tenantId)?.seq ?? null,
  });
}

export interface QuarantineLog {
  error(obj: object, msg: string): void;
}

/** Once the batch is stored: an error line per quarantine raised, and the counters. */
export function reportAdmitted(batch: AdmittedBatch, log: QuarantineLog): void {
  const consumer = batch.consumer;
  for (const q of batch.guard.raised()) {
    incrementCounter(QUARANTINE_COUNTERS.raised, { consumer, code: q.anomaly.code });
    log.error({ consumer, tenantId: q.tenantId, code: q.anomaly.code, detail: q.anomaly.detail, partition: q.partition, offset: q.offset.toString() },
      'tenant quarantined: its chain does not verify here; its records are skipped until an operator releases it (palisade quarantine list)');
  }
  incrementCounter(QUARANTINE_COUNTERS.skipped, { consumer }, batch.verdicts.filter((v) => v.kind === 'quarantined').length);
}

/** Released quarantines of `consumer` whose re-check has not passed their record yet. */
export async function pendingResumes(run: Run, consumer: string): Promise<{ tenantId: string; partition: number; offset: bigint }[]> {
  const { rows } = await run<{ tenant_id: string; partition: number; event_offset: string }>(
    'select tenant_id, partition, event_offset from quarantine.records where consumer = $1 and released_at is not null and resumed_at is null order by id',
    [consumer]);
  return rows.map((r) => ({ tenantId: r.tenant_id, partition: r.partition, offset: BigInt(r.event_offset) }));
}

/** `starts` (next offset per partition), lowered to the records released quarantines were raised on. */
export async function withPendingResumes(run: Run, consumer: string, starts: Map<number, bigint>): Promise<Map<number, bigint>> {
  for (const resume of await pendingResumes(run, consumer)) {
    // A partition with no stored position starts at 0, before any record.
    const start = starts.get(resume.partition);
    if (start !== undefined && resume.offset < start) starts.set(resume.partition, resume.offset);
  }
  return starts;
}

export interface ReleaseWatch {
  readonly run: Run;
  readonly consumer: string;
  readonly everyMs: number;
  /** Repositions a partition if this member holds it; false when it does not. */
  readonly seek: (partition: number, offset: bigint) => boolean;
  readonly log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * Looks for released quarantines every `everyMs` and re-reads each one's partition from the
 * record it was raised on, once per process (the guard then dismisses that record and checks the
 * tenant from its head). Returns the function that stops watching.
 */
export function watchReleases(watch: ReleaseWatch): () => void {
  const sought = new Set<string>();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      try {
        for (const resume of await pendingResumes(watch.run, watch.consumer)) {
          const id = `${resume.tenantId}@${resume.partition}:${resume.offset}`;
          if (sought.has(id) || !watch.seek(resume.partition, resume.offset)) continue;
          sought.add(id);
          watch.log.info({ consumer: watch.consumer, tenantId: resume.tenantId, partition: resume.partition, offset: resume.offset.toString() },
            'quarantine released: re-checking the tenant from its last good event');
        }
      } catch (error) {
        // Names and codes only: some consumers (the chat worker) log no error messages.
        const code = (error as { code?: unknown } | null)?.code;
        watch.log.warn({ consumer: watch.consumer, errorName: error instanceof Error ? error.name : typeof error, ...(typeof code === 'string' ? { code } : {}) },
          'could not look for released quarantines; retrying');
      } finally {
        busy = false;
      }
    })();
  }, watch.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** A Run on a pool (or any client with pg's query). */
export function runOnPool(pool: { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> }): Run {
  return async <R extends Record<string, unknown>>(text: string, values?: readonly unknown[]) => (await pool.query(text, values ? [...values] : [])) as { rows: R[] };
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
