// A TestSpine (own topics, own migrated database, processor, signed client) plus the read-model
// side: the tenancy roles of that database, in-process projectors, helpers to wait until the
// projection caught up, and a cleanup that also drops the database's roles (roles outlive
// databases: see adapters/postgres/roles.ts).
import pg from 'pg';
import { endOffsets } from '../../../adapters/kafka/partition-reader.ts';
import { dropDatabaseRoles, loadRolesFrom, type TenancyRoles } from '../../../adapters/postgres/roles.ts';
import { Projector } from '../../../projections/projector.ts';
import { PROJECTOR_DEFAULTS, type ProjectorOptions } from '../../../projections/options.ts';
import type { ProjectorLog } from '../../../projections/apply/batch-handler.ts';
import { TestSpine, quietLogger } from '../../support/spine.ts';
import { testConfig, testKafka } from '../../support/stack.ts';
import { openPool } from '../../../adapters/postgres/pool.ts';

export const quietLog: ProjectorLog = quietLogger;

export class ReadModelSpine {
  readonly spine: TestSpine;
  readonly roles: TenancyRoles;
  /** Superuser pool on the spine's database (fixtures and inspection only). */
  readonly admin: pg.Pool;
  private readonly projectors: Projector[] = [];

  private constructor(spine: TestSpine, roles: TenancyRoles) {
    this.spine = spine;
    this.roles = roles;
    this.admin = openPool({ connectionString: spine.db.url, max: 3 });
  }

  static async create(options: { partitions?: number } = {}): Promise<ReadModelSpine> {
    const spine = await TestSpine.create(options);
    try {
      return new ReadModelSpine(spine, await loadRolesFrom(spine.db.url));
    } catch (error) {
      await spine.close();
      await dropDatabaseRoles(testConfig().databaseUrl, spine.db.name).catch(() => undefined);
      throw error;
    }
  }

  get url(): string {
    return this.spine.db.url;
  }

  get topic(): string {
    return this.spine.topics.events;
  }

  projectorOptions(overrides: Partial<ProjectorOptions> = {}): ProjectorOptions {
    return {
      ...PROJECTOR_DEFAULTS,
      kafka: testKafka('projector'),
      databaseUrl: this.url,
      topic: this.topic,
      groupId: `${this.spine.prefix}palisade-projector`,
      sessionTimeoutMs: 10_000,
      ...overrides,
    };
  }

  async startProjector(overrides: Partial<ProjectorOptions> = {}, log: ProjectorLog = quietLog): Promise<Projector> {
    const projector = new Projector(this.projectorOptions(overrides), log);
    await projector.start();
    this.projectors.push(projector);
    return projector;
  }

  async stopProjectors(): Promise<void> {
    for (const projector of this.projectors.splice(0)) await projector.stop().catch(() => undefined);
  }

  /** Resolves once every active generation stored the topic's current end on every partition. */
  async waitForProjection(timeoutMs = 60_000, states: readonly string[] = ['active']): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const ends = await endOffsets(this.spine.kafka, this.topic);
    for (;;) {
      const { rows } = await this.admin.query<{ model: string; generation: number; partition: number | null; next_offset: string | null }>(
        `select g.model, g.generation, o.partition, o.next_offset from projection_meta.generations g
         left join projection_meta.offsets o on o.model = g.model and o.generation = g.generation and o.topic = $1
         where g.state = any($2::text[])`,
        [this.topic, [...states]],
      );
      const gens = new Set(rows.map((r) => `${r.model}#${r.generation}`));
      const behind = [...gens].some((gen) =>
        [...ends].some(([partition, { high }]) => {
          const row = rows.find((r) => `${r.model}#${r.generation}` === gen && r.partition === partition);
          return BigInt(row?.next_offset ?? '0') < BigInt(high);
        }),
      );
      if (!behind) return;
      if (Date.now() > deadline) throw new Error(`projection did not catch up within ${timeoutMs} ms: ${JSON.stringify(rows)} vs ${JSON.stringify([...ends])}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async close(): Promise<void> {
    await this.stopProjectors();
    await this.admin.end().catch(() => undefined);
    await this.spine.close();
    await dropDatabaseRoles(testConfig().databaseUrl, this.spine.db.name);
  }
}
