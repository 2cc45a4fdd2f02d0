// `palisade projections rebuild`: replay the events topic from the start into a new generation
// of each model (a shadow schema no reader can see), catch up with the live stream, then swap
// atomically (projection_meta.activate_generations: the views switch in one transaction, after
// the live projector's transactions in flight). Killed midway, the next run resumes the same
// generations from their stored offsets. One rebuild per model at a time (advisory lock).
import type { KafkaEndpoint } from '../adapters/kafka/client.ts';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from '../adapters/postgres/pg.ts';
import { AssignedConsumer } from '../adapters/kafka/assigned-consumer.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { endOffsets } from '../adapters/kafka/partition-reader.ts';
import { advanceOverSkipped, type ApplyDeps, type ApplyHooks } from './apply/apply-batch.ts';
import { batchHandler, type ProjectorLog } from './apply/batch-handler.ts';
import { buildingTargets } from './apply/targets.ts';
import { ProjectionError, SqlState } from './errors.ts';
import { selectModels } from './models/index.ts';
import { sqlStateOf } from './pg-errors.ts';
import { asRole, loadRolesFrom } from '../adapters/postgres/roles.ts';
import { CatchUp } from './catch-up.ts';
import { openPool } from '../adapters/postgres/pool.ts';
import type { ExtraRunCheck } from '../domain/tenant/run-check.ts';

export interface RebuildOptions {
  /** The brokers and the projector principal's login. */
  readonly kafka: KafkaEndpoint;
  readonly databaseUrl: string;
  readonly topic: string;
  /** Models to rebuild; all when empty. They are built in one pass and swapped together. */
  readonly models?: readonly string[];
  /** Drop a rebuild left half-done instead of resuming it. */
  readonly restart?: boolean;
  readonly verifyHashes?: boolean;
  /** A further check of each event (a signature): its anomalies quarantine the tenant in this rebuild. */
  readonly extraCheck?: ExtraRunCheck;
  readonly maxBytesPerPartition?: number;
  /** How many times a swap refused because the live projection moved ahead is retried. */
  readonly swapAttempts?: number;
  readonly onProgress?: (progress: RebuildProgress) => void;
  readonly log?: ProjectorLog;
  readonly hooks?: ApplyHooks;
}

export interface RebuildProgress {
  readonly phase: 'replay' | 'swap' | 'drop';
  /** Offsets replayed so far (events and commit markers) out of `total`, which grows while catching up. */
  readonly done: number;
  readonly total: number;
  readonly events: number;
}

export interface RebuildResult {
  readonly models: ReadonlyArray<{ readonly name: string; readonly generation: number; readonly schema: string; readonly resumed: boolean }>;
  readonly events: number;
  readonly ms: number;
  readonly eventsPerSecond: number;
  readonly swapAttempts: number;
  readonly retiredGenerationsDropped: number;
}

const REBUILD_LOCK_CLASS = 0x72626c64; // 'rbld'
/** How long the swap waits for readers' view locks before stepping back (below deadlock_timeout). */
const SWAP_LOCK_TIMEOUT_MS = 200;
const LOCK_NOT_AVAILABLE = '55P03';
const QUIET: ProjectorLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function rebuild(options: RebuildOptions): Promise<RebuildResult> {
  const started = Date.now();
  const log = options.log ?? QUIET;
  const models = selectModels(options.models);
  const names = models.map((m) => m.name).sort();
  const roles = await loadRolesFrom(options.databaseUrl);
  const kafka = createKafka({ ...options.kafka, clientId: 'palisade-rebuild' }, log);
  const ends = toBigInts(await endOffsets(kafka, options.topic));
  if (ends.size === 0) throw new ProjectionError('INVALID_OPTION', `topic ${options.topic} does not exist`);
  const pool = openPool({ ...asRole(options.databaseUrl, roles.projector), max: ends.size + 2 }, (error) => log.warn({ err: String(error) }, 'idle PostgreSQL connection failed'));
  // Holds the session-level rebuild locks for the whole run; a killed run releases them.
  const control = await pool.connect();
  let controlError: unknown;
  control.on('error', (error) => { controlError = error; });
  let consumer: AssignedConsumer | undefined;
  const groupId = `palisade-rebuild-${randomUUID()}`;
  try {
    for (const name of names) {
      const { rows } = await control.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [REBUILD_LOCK_CLASS, `palisade.rebuild:${name}`]);
      if (rows[0]?.ok !== true) throw new ProjectionError('REBUILD_IN_PROGRESS', `another rebuild of "${name}" is running`);
    }
    if (options.restart === true) for (const name of names) await control.query('select projection_meta.abandon_generation($1)', [name]);
    const generations: { name: string; model: string; generation: number; schema: string; resumed: boolean }[] = [];
    for (const name of names) {
      const { rows } = await control.query<{ generation: number; schema_name: string; resumed: boolean }>('select * from projection_meta.begin_generation($1)', [name]);
      const row = rows[0]!;
      generations.push({ name, model: name, generation: row.generation, schema: row.schema_name, resumed: row.resumed });
    }
    const selector = buildingTargets(generations);
    const storedStarts = async (partitions: readonly number[]): Promise<Map<number, bigint>> => {
      const { rows } = await control.query<{ partition: number; start: string }>(
        `select p.partition, min(coalesce(o.next_offset, 0)) as start
         from unnest($2::int[]) as p(partition)
         cross join unnest($3::text[], $4::int[]) as t(model, generation)
         left join projection_meta.offsets o on o.model = t.model and o.generation = t.generation and o.topic = $1 and o.partition = p.partition
         group by p.partition`,
        [options.topic, [...partitions], generations.map((g) => g.model), generations.map((g) => g.generation)],
      );
      return new Map(rows.map((r) => [r.partition, BigInt(r.start)]));
    };
    const catchUp = new CatchUp(await storedStarts([...ends.keys()]), ends);
    const report = (phase: RebuildProgress['phase']) => options.onProgress?.({ phase, done: catchUp.done(), total: catchUp.total(), events: catchUp.events });
    // A rebuild checks the chains afresh, under its own name: its generations' heads and quarantines.
    const guard = { consumer: `rebuild:${generations.map((g) => `${g.model}#${g.generation}`).join(',')}`, recompute: options.verifyHashes ?? true, ...(options.extraCheck ? { extra: options.extraCheck } : {}) };
    const deps: ApplyDeps = { pool, roles, models, selector, guard, ...(options.hooks ? { hooks: options.hooks } : {}) };
    consumer = new AssignedConsumer(kafka, {
      groupId, topic: options.topic, concurrency: ends.size, maxBytesPerPartition: options.maxBytesPerPartition ?? 4_194_304,
      startOffsets: storedStarts,
      onBatch: batchHandler({
        deps, topic: options.topic, log, retryInitialMs: 200, retryMaxMs: 5_000,
        onApplied: (partition, next, events) => { catchUp.advance(partition, next, events); report('replay'); },
        onFatal: (error) => catchUp.fail(error),
      }),
      onSkipped: async (partition, from, next) => {
        await advanceOverSkipped(deps, options.topic, partition, from, next);
        catchUp.advance(partition, next, 0);
      },
      onCrash: (error, willRestart) => { if (!willRestart) catchUp.fail(error); },
      onPositionError: (error) => log.warn({ err: String(error) }, 'reading stored offsets failed; retrying'),
    });
    await consumer.start();
    report('replay');
    await catchUp.wait();

    let attempts = 0;
    let lockWaits = 0;
    for (;;) {
      attempts += 1;
      report('swap');
      try {
        await control.query('select projection_meta.activate_generations($1::text[], $2)', [names, SWAP_LOCK_TIMEOUT_MS]);
        break;
      } catch (error) {
        // Readers held a view: the swap stepped back (see activate_generations); try again soon.
        if (sqlStateOf(error) === LOCK_NOT_AVAILABLE && lockWaits++ < 200) {
          attempts -= 1;
          await sleep(20 + Math.floor(Math.random() * 80));
          continue;
        }
        if (sqlStateOf(error) !== SqlState.REBUILD_BEHIND_LIVE) throw error;
        if (attempts >= (options.swapAttempts ?? 20))
          throw new ProjectionError('REBUILD_NOT_CAUGHT_UP', `the live projection kept moving ahead of the rebuild (${attempts} swap attempts); rerun to resume`, { cause: error });
        log.info({ attempt: attempts }, 'live projection is ahead; catching up again');
        catchUp.setEnds(maxOf(ends, await liveOffsets(control, options.topic, names)));
        await catchUp.wait();
      }
    }
    await consumer.stop();
    consumer = undefined;
    report('drop');
    const dropped = await control.query<{ n: number }>('select projection_meta.drop_retired_generations(5000) as n');
    const ms = Date.now() - started;
    return {
      models: generations.map(({ name, generation, schema, resumed }) => ({ name, generation, schema, resumed })),
      events: catchUp.events,
      ms,
      eventsPerSecond: Math.round((catchUp.events * 1000) / Math.max(ms, 1)),
      swapAttempts: attempts,
      retiredGenerationsDropped: dropped.rows[0]?.n ?? 0,
    };
  } finally {
    await consumer?.stop();
    await AssignedConsumer.deleteGroup(kafka, groupId);
    await control.query('select pg_advisory_unlock_all()').catch(() => undefined);
    control.release(controlError !== undefined);
    await pool.end().catch(() => undefined);
  }
}

/** Per partition, the furthest offset any live generation of `models` stored. */
async function liveOffsets(client: pg.PoolClient, topic: string, models: readonly string[]): Promise<Map<number, bigint>> {
  const { rows } = await client.query<{ partition: number; next_offset: string }>(
    `select o.partition, max(o.next_offset) as next_offset from projection_meta.offsets o
     join projection_meta.generations g on g.model = o.model and g.generation = o.generation
     where g.state = 'active' and g.model = any($2::text[]) and o.topic = $1 group by o.partition`,
    [topic, [...models]],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}

function maxOf(a: ReadonlyMap<number, bigint>, b: ReadonlyMap<number, bigint>): Map<number, bigint> {
  const out = new Map(a);
  for (const [p, v] of b) if (v > (out.get(p) ?? 0n)) out.set(p, v);
  return out;
}

function toBigInts(ends: Map<number, { high: string }>): Map<number, bigint> {
  return new Map([...ends].map(([p, { high }]) => [p, BigInt(high)]));
}
