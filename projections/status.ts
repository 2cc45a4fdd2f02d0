// `palisade projections status`: per read model and generation, per partition, the offset
// stored with the rows, the topic's end offset, and the lag between them.
import pg from '../adapters/postgres/pg.ts';
import type { createKafka } from '../adapters/kafka/client.ts';
import { endOffsets } from '../adapters/kafka/partition-reader.ts';
import { groupHasMembers } from '../adapters/kafka/groups.ts';

/** adapters/kafka/ owns the client library; only its type is needed here. */
type Kafka = ReturnType<typeof createKafka>;

export interface PartitionStatus {
  readonly partition: number;
  readonly stored: string;
  readonly end: string;
  readonly lag: string;
}

export interface GenerationStatus {
  readonly model: string;
  readonly generation: number;
  readonly schema: string;
  readonly state: 'active' | 'building' | 'retired';
  readonly partitions: readonly PartitionStatus[];
  /** Sum over partitions. */
  readonly lag: string;
}

export interface ProjectionsStatus {
  readonly topic: string;
  /** Whether a projector is a member of its consumer group right now (null: unknown). */
  readonly projectorRunning: boolean | null;
  readonly generations: readonly GenerationStatus[];
}

export async function projectionsStatus(kafka: Kafka, databaseUrl: string, topic: string, projectorGroupId: string): Promise<ProjectionsStatus> {
  const ends = await endOffsets(kafka, topic);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // a lost connection fails the pending query instead
  await client.connect();
  let rows: { model: string; generation: number; schema_name: string; state: GenerationStatus['state']; partition: number | null; next_offset: string | null }[];
  try {
    ({ rows } = await client.query(
      `select g.model, g.generation, g.schema_name, g.state, o.partition, o.next_offset
       from projection_meta.generations g
       left join projection_meta.offsets o on o.model = g.model and o.generation = g.generation and o.topic = $1
       order by g.model, g.generation, o.partition`,
      [topic],
    ));
  } finally {
    await client.end().catch(() => undefined);
  }
  const generations = new Map<string, { model: string; generation: number; schema: string; state: GenerationStatus['state']; stored: Map<number, bigint> }>();
  for (const row of rows) {
    const key = `${row.model}#${row.generation}`;
    const entry = generations.get(key) ?? { model: row.model, generation: row.generation, schema: row.schema_name, state: row.state, stored: new Map() };
    if (row.partition !== null && row.next_offset !== null) entry.stored.set(row.partition, BigInt(row.next_offset));
    generations.set(key, entry);
  }
  const partitions = [...ends.keys()].sort((a, b) => a - b);
  const result: GenerationStatus[] = [...generations.values()].map((g) => {
    let total = 0n;
    const perPartition = partitions.map((partition) => {
      const end = BigInt(ends.get(partition)!.high);
      const stored = g.stored.get(partition) ?? 0n;
      const lag = end > stored ? end - stored : 0n;
      total += lag;
      return { partition, stored: stored.toString(), end: end.toString(), lag: lag.toString() };
    });
    return { model: g.model, generation: g.generation, schema: g.schema, state: g.state, partitions: perPartition, lag: total.toString() };
  });
  const running = await groupHasMembers(kafka, projectorGroupId).catch(() => null);
  return { topic, projectorRunning: running, generations: result };
}
