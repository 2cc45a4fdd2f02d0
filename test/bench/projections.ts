// `npm run bench -- projections [--events N] [--tenants N] [--partitions N] [--json] [--keep]`
// Rebuild rate of the read models over N synthetic events (default 1,000,000) on their own topic
// and database, and in the same run the baseline: a raw COPY of the very rows the rebuild wrote
// into the same tables (a fresh generation: same indexes, policies and triggers), one COPY per
// table, all at once. Prints both rates and their ratio (issue 4 target: ≥ 0.3).
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../deploy/config/config.ts';
import { kafkaEndpoint } from '../../deploy/config/kafka.ts';
import { createDatabase, dropDatabase } from '../../adapters/postgres/database.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createKafka } from '../../adapters/kafka/client.ts';
import { ensureTopics, palisadeTopics, topicNames, withAdmin } from '../../adapters/kafka/topics.ts';
import { copyIn, copyOut } from '../../projections/pg-copy.ts';
import { rebuild } from '../../projections/rebuild.ts';
import { dropDatabaseRoles, quoteIdent } from '../../adapters/postgres/roles.ts';
import { produceEvents, syntheticEvents } from './_synthetic-events.ts';
import { openPool } from '../../adapters/postgres/pool.ts';

interface Args {
  events: number;
  tenants: number;
  partitions: number;
  json: boolean;
  keep: boolean;
}

function parseArgs(args: readonly string[]): Args {
  const value = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(args[i + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive whole number`);
    return n;
  };
  return { events: value('events', 1_000_000), tenants: value('tenants', 2_000), partitions: value('partitions', 6), json: args.includes('--json'), keep: args.includes('--keep') };
}

const say = (json: boolean, line: string) => { if (!json) process.stderr.write(`${line}\n`); };
const seconds = (ms: number) => (ms / 1000).toFixed(1);

const TABLES: readonly { model: string; table: string }[] = [
  { model: 'tenants', table: 'tenants' },
  { model: 'members', table: 'members' },
  { model: 'members', table: 'role_changes' },
  { model: 'audit', table: 'audit_log' },
];

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const config = loadConfig();
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const prefix = `bench-${id}.`;
  const databaseName = `palisade_bench_${id}`;
  const kafka = createKafka({ ...kafkaEndpoint(config, 'admin'), clientId: 'palisade-bench' });
  await ensureTopics(kafkaEndpoint(config, 'admin'), palisadeTopics(prefix, args.partitions));
  const topic = topicNames(prefix).events;
  const url = await createDatabase(config.databaseUrl, databaseName);
  try {
    await migrate(url);
    say(args.json, `producing ${args.events} events of ${args.tenants} tenants to ${topic} …`);
    let started = Date.now();
    const produced = await produceEvents(kafka, topic, args.partitions, syntheticEvents({ tenants: args.tenants, events: args.events, seed: id }), (n) => {
      if (n % 100_000 === 0) say(args.json, `  ${n} produced (${Math.round(n / ((Date.now() - started) / 1000))} events/s)`);
    });
    say(args.json, `produced ${produced} events in ${seconds(Date.now() - started)} s`);

    say(args.json, 'rebuilding every read model from the topic …');
    let firstProgress = 0;
    started = Date.now();
    const result = await rebuild({
      kafka: kafkaEndpoint(config, 'projector'), databaseUrl: url, topic, maxBytesPerPartition: 4_194_304,
      onProgress: (p) => {
        if (firstProgress === 0 && p.events > 0) firstProgress = Date.now();
      },
    });
    const rebuildMs = Date.now() - started;
    // From the first applied batch to the swap: the replay itself, without the group join.
    const replayMs = firstProgress === 0 ? null : started + rebuildMs - firstProgress;
    const rebuildRate = result.events / (rebuildMs / 1000);
    say(args.json, `rebuilt ${result.events} events in ${seconds(rebuildMs)} s (${Math.round(rebuildRate)} events/s)`);

    const baseline = await copyBaseline(url);
    const copyRate = result.events / (baseline.ms / 1000);
    const figures = {
      events: result.events,
      rows: baseline.rows,
      rebuild: { seconds: rebuildMs / 1000, eventsPerSecond: Math.round(rebuildRate), replaySeconds: replayMs === null ? null : replayMs / 1000 },
      copyBaseline: { seconds: baseline.ms / 1000, eventsPerSecond: Math.round(copyRate), rowsPerSecond: Math.round(baseline.rows / (baseline.ms / 1000)) },
      ratio: Number((rebuildRate / copyRate).toFixed(3)),
      target: 0.3,
    };
    if (args.json) {
      process.stdout.write(`${JSON.stringify(figures)}\n`);
      return;
    }
    process.stdout.write(
      `\nprojections rebuild over ${figures.events} events (${args.tenants} tenants, ${args.partitions} partitions; ${figures.rows} rows written)\n` +
        `  rebuild (Kafka → decode → verify hash → fold → PostgreSQL, incl. group join and swap)  ${seconds(rebuildMs).padStart(7)} s  ${String(figures.rebuild.eventsPerSecond).padStart(9)} events/s\n` +
        (replayMs === null ? '' : `    of which replaying (first batch to swap): ${seconds(replayMs)} s\n`) +
        `  baseline: raw COPY of the same rows into the same tables                              ${seconds(baseline.ms).padStart(7)} s  ${String(figures.copyBaseline.eventsPerSecond).padStart(9)} events/s  (${figures.copyBaseline.rowsPerSecond} rows/s)\n` +
        `  ratio rebuild / COPY: ${figures.ratio} (target ≥ ${figures.target}: ${figures.ratio >= figures.target ? 'met' : 'NOT met'})\n`,
    );
  } finally {
    if (!args.keep) {
      await dropDatabase(config.databaseUrl, databaseName).catch(() => undefined);
      await dropDatabaseRoles(config.databaseUrl, databaseName).catch(() => undefined);
      await withAdmin(kafkaEndpoint(config, 'admin'), async (admin) => {
        const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
        if (topics.length > 0) await admin.deleteTopics({ topics });
      }).catch(() => undefined);
    } else {
      say(args.json, `kept database ${databaseName} and topics ${prefix}*`);
    }
  }
}

/**
 * Dumps what the rebuild wrote (not timed), starts a fresh generation of every model (empty
 * tables, same DDL) and times COPY FROM STDIN of those rows into it, one table per connection.
 */
async function copyBaseline(url: string): Promise<{ ms: number; rows: number }> {
  const pool = openPool({ connectionString: url, max: TABLES.length + 1 });
  try {
    const active = async (state: string) =>
      new Map((await pool.query<{ model: string; schema_name: string }>('select model, schema_name from projection_meta.generations where state = $1', [state])).rows.map((r) => [r.model, r.schema_name]));
    const source = await active('active');
    const dumps = await Promise.all(TABLES.map(async ({ model, table }) => {
      const client = await pool.connect();
      try {
        return await copyOut(client, `copy ${quoteIdent(source.get(model)!)}.${table} to stdout`);
      } finally {
        client.release();
      }
    }));
    for (const model of new Set(TABLES.map((t) => t.model))) await pool.query('select projection_meta.begin_generation($1)', [model]);
    const target = await active('building');
    await pool.query('checkpoint');
    const started = Date.now();
    await Promise.all(TABLES.map(async ({ model, table }, i) => {
      const client = await pool.connect();
      try {
        await copyIn(client, `copy ${quoteIdent(target.get(model)!)}.${table} from stdin`, dumps[i]!);
      } finally {
        client.release();
      }
    }));
    const ms = Date.now() - started;
    const rows = dumps.reduce((n, d) => n + d.toString('utf8').split('\n').length - 1, 0);
    for (const model of new Set(TABLES.map((t) => t.model))) await pool.query('select projection_meta.abandon_generation($1)', [model]);
    return { ms, rows };
  } finally {
    await pool.end();
  }
}
