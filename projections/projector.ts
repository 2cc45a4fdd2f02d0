// The projector service: one consumer-group member on the events topic (read_committed) that
// applies each fetched batch to the active generation of every read model, in one PostgreSQL
// transaction with the offsets. Positions live in projection_meta.offsets, never in Kafka: on
// every assignment each partition starts at the lowest offset its models stored.
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

type Kafka = ReturnType<typeof createKafka>;

export class Projector {
  private readonly options: ProjectorOptions;
  private readonly log: ProjectorLog;
  private readonly kafka: Kafka;
  private pool: pg.Pool | undefined;
  private consumer: AssignedConsumer | undefined;
  private crashed: ((error: unknown) => void) | undefined;
  private readonly crash: Promise<unknown>;

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
        deps, topic, verifyHashes: this.options.verifyHashes, log: this.log,
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

  /** Where each partition starts: the lowest offset any of its active models stored (0 if none). */
  private async startOffsets(partitions: readonly number[]): Promise<Map<number, bigint>> {
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
    await this.consumer?.stop();
    await this.pool?.end().catch(() => undefined);
    this.log.info({}, 'projector stopped');
  }
}
