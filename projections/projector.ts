// The projector service: one consumer-group member on the events topic (read_committed) that
// applies each fetched batch to the active generation of every read model, in one PostgreSQL
// transaction with the offsets. Positions live in projection_meta.offsets, never in Kafka: on
// every assignment each partition starts at the lowest offset its models stored. Each tenant's
// chain is checked on the way in (apply/guard.ts): an anomaly quarantines that tenant here, and a
// released quarantine has its partition re-read from the record it was raised on.
import pg from '../adapters/postgres/pg.ts';
import { AssignedConsumer } from '../adapters/kafka/assigned-consumer.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { endOffsets } from '../adapters/kafka/partition-reader.ts';
import { advanceOverSkipped, type ApplyDeps } from './apply/apply-batch.ts';
import { batchHandler, type ProjectorLog } from './apply/batch-handler.ts';
import { activeTargets } from './apply/targets.ts';
import { selectModels } from './models/index.ts';
import { validateProjectorOptions, type ProjectorOptions } from './options.ts';
import { asRole, loadRolesFrom } from '../adapters/postgres/roles.ts';
import { revokeTenantAnalysts } from './tenancy/analysts.ts';
import { openPool } from '../adapters/postgres/pool.ts';
import { runOnPool, watchReleases, withPendingResumes } from '../adapters/postgres/quarantine.ts';

/** The name the live projector's heads and quarantines are stored under. */
export const PROJECTOR_CONSUMER = 'projector';

type Kafka = ReturnType<typeof createKafka>;

export class Projector {
  private readonly options: ProjectorOptions;
  private readonly log: ProjectorLog;
  private readonly kafka: Kafka;
  private pool: pg.Pool | undefined;
  private consumer: AssignedConsumer | undefined;
  private crashed: ((error: unknown) => void) | undefined;
  private readonly crash: Promise<unknown>;
  private stopWatchingReleases: (() => void) | undefined;

  constructor(options: ProjectorOptions, log: ProjectorLog) {
    this.options = validateProjectorOptions(options);
    this.log = log;
    this.kafka = createKafka({ ...options.kafka, clientId: 'palisade-projector' }, log);
    this.crash = new Promise((resolve) => { this.crashed = resolve; });
  }

  async start(): Promise<void> {
    const { topic, groupId, models: names } = this.options;
    const roles = await loadRolesFrom(this.options.databaseUrl);
    const partitions = (await endOffsets(this.kafka, topic)).size;
    if (partitions === 0) throw new Error(`topic ${topic} does not exist: run \`palisade stack up\``);
    const models = selectModels(names);
    this.pool = openPool({ ...asRole(this.options.databaseUrl, roles.projector), max: partitions + 1 }, (error) => this.log.warn({ err: String(error) }, 'idle PostgreSQL connection failed'));
    const deps: ApplyDeps = {
      pool: this.pool, roles, models, selector: activeTargets(names),
      guard: { consumer: PROJECTOR_CONSUMER, recompute: this.options.verifyHashes, ...(this.options.extraCheck ? { extra: this.options.extraCheck } : {}) },
      ...(this.options.hooks ? { hooks: this.options.hooks } : {}),
      ...(this.options.revokeAnalystsOfDeletedTenants ? { onTenantsDeleted: (tenants: readonly string[]) => this.revokeAnalysts(tenants) } : {}),
    };
    const fatal = (error: unknown) => {
      this.log.error({ err: String(error), code: (error as { code?: string }).code }, 'projector cannot continue');
      this.crashed?.(error);
    };
    this.consumer = new AssignedConsumer(this.kafka, {
      groupId, topic, concurrency: partitions, sessionTimeoutMs: this.options.sessionTimeoutMs, maxBytesPerPartition: this.options.maxBytesPerPartition,
      startOffsets: (assigned) => this.startOffsets(assigned),
      onBatch: batchHandler({
        deps, topic, log: this.log,
        retryInitialMs: this.options.retryInitialMs, retryMaxMs: this.options.retryMaxMs,
        onFatal: fatal,
      }),
      onSkipped: (partition, from, next) => advanceOverSkipped(deps, topic, partition, from, next).catch((error) => {
        this.log.warn({ partition, err: String(error) }, 'could not record a skipped commit marker; the next batch will seek back');
      }),
      onAssignment: (assigned) => this.log.info({ partitions: assigned }, 'partitions assigned'),
      onPositionError: (error) => this.log.warn({ err: String(error) }, 'reading stored offsets failed; retrying'),
      onCrash: (error, willRestart) => {
        this.log.error({ err: String(error), willRestart }, 'consumer crashed');
        if (!willRestart) this.crashed?.(error);
      },
    });
    await this.consumer.start();
    this.stopWatchingReleases = watchReleases({
      run: runOnPool(this.pool), consumer: PROJECTOR_CONSUMER, everyMs: this.options.releasePollMs, log: this.log,
      seek: (partition, offset) => this.consumer?.seek(partition, offset) === true,
    });
    this.log.info({ groupId, topic, partitions, models: names }, 'projector started');
  }

  /** A failure here is logged, not fatal: a deleted tenant's analyst already sees nothing (ADR 0005). */
  private async revokeAnalysts(tenantIds: readonly string[]): Promise<void> {
    for (const tenantId of tenantIds) {
      try {
        const revoked = await revokeTenantAnalysts(this.options.databaseUrl, tenantId);
        if (revoked.length > 0) this.log.info({ tenantId, analysts: revoked.length }, 'analyst logins of a deleted tenant revoked');
      } catch (error) {
        this.log.warn({ tenantId, err: String(error) }, 'could not revoke the analyst logins of a deleted tenant; run `palisade analysts revoke`');
      }
    }
  }

  /**
   * Where each partition starts: the lowest offset any of its active models stored (0 if none),
   * or a released quarantine's record when its re-check has not passed it yet.
   */
  private async startOffsets(partitions: readonly number[]): Promise<Map<number, bigint>> {
    return withPendingResumes(runOnPool(this.pool!), PROJECTOR_CONSUMER, await this.storedStarts(partitions));
  }

  private async storedStarts(partitions: readonly number[]): Promise<Map<number, bigint>> {
    const { rows } = await this.pool!.query<{ partition: number; start: string }>(
      `select p.partition, min(coalesce(o.next_offset, 0)) as start
       from unnest($2::int[]) as p(partition)
       cross join projection_meta.generations g
       left join projection_meta.offsets o on o.model = g.model and o.generation = g.generation and o.topic = $1 and o.partition = p.partition
       where g.state = 'active' and g.model = any($3::text[])
       group by p.partition`,
      [this.options.topic, [...partitions], [...this.options.models]],
    );
    return new Map(rows.map((r) => [r.partition, BigInt(r.start)]));
  }

  /** Resolves with the error when the projector stopped for good on its own. */
  waitForCrash(): Promise<unknown> {
    return this.crash;
  }

  /** Graceful: batches in flight commit or roll back, then the group is left. */
  async stop(): Promise<void> {
    this.stopWatchingReleases?.();
    await this.consumer?.stop();
    await this.pool?.end().catch(() => undefined);
    this.log.info({}, 'projector stopped');
  }
}
