// `palisade projections status|rebuild`: the read models' positions, and zero-downtime rebuilds
// (projections/rebuild.ts; runbook: docs/runbooks/rebuild.md).
import { kafkaEndpoint } from '../deploy/config/kafka.ts';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../deploy/config/config.ts';
import { createLogger } from '../adapters/logger.ts';
import { oneLine } from '../deploy/errors.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { topicNames } from '../adapters/kafka/topics.ts';
import { PROJECTOR_DEFAULTS } from '../projections/options.ts';
import { rebuild, type RebuildProgress } from '../projections/rebuild.ts';
import { projectionsStatus, type ProjectionsStatus } from '../projections/status.ts';

async function run(name: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    process.stderr.write(`palisade projections ${name}: ${typeof code === 'string' ? `${code}: ` : ''}${oneLine(error)}\n`);
    process.exitCode = 1;
  }
}

function printStatus(status: ProjectionsStatus): void {
  const running = status.projectorRunning === null ? 'unknown' : status.projectorRunning ? 'running' : 'not running';
  process.stdout.write(`topic ${status.topic}; projector ${running}\n`);
  process.stdout.write(`${'model'.padEnd(10)} ${'gen'.padStart(4)} ${'state'.padEnd(9)} ${'partition'.padStart(9)} ${'stored'.padStart(12)} ${'end'.padStart(12)} ${'lag'.padStart(10)}\n`);
  for (const g of status.generations)
    for (const p of g.partitions)
      process.stdout.write(
        `${g.model.padEnd(10)} ${String(g.generation).padStart(4)} ${g.state.padEnd(9)} ${String(p.partition).padStart(9)} ` +
          `${p.stored.padStart(12)} ${p.end.padStart(12)} ${p.lag.padStart(10)}\n`,
      );
}

/** events done, events/s and ETA on a TTY; nothing when piped. */
function progressBar(label: string): ((p: RebuildProgress) => void) & { stop: () => void } {
  if (!process.stderr.isTTY) return Object.assign(() => undefined, { stop: () => undefined });
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} events | {speed} events/s | ETA {eta_formatted} | {phase}`,
      stream: process.stderr, hideCursor: true, etaBuffer: 50, fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let begun = false;
  const update = (p: RebuildProgress) => {
    // Start once there is something to show (an ETA needs a rate; joining the group takes seconds).
    if (!begun && p.done === 0 && p.phase === 'replay') return;
    const speed = Math.round(p.done / Math.max((Date.now() - started) / 1000, 0.001));
    if (!begun) bar.start(p.total, p.done, { speed, phase: p.phase });
    begun = true;
    bar.setTotal(p.total);
    bar.update(p.done, { speed, phase: p.phase });
  };
  return Object.assign(update, {
    stop: () => {
      if (begun) bar.stop();
      begun = false;
    },
  });
}

export function registerProjectionsCommands(program: Command): void {
  const projections = program.command('projections').description('read models: positions and rebuilds');

  projections
    .command('status')
    .description('per read model and partition: the offset stored with the rows, the end offset, the lag')
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) =>
      run('status', async () => {
        const config = loadConfig();
        const kafka = createKafka({ ...kafkaEndpoint(config, 'projector'), clientId: 'palisade-status' });
        const status = await projectionsStatus(kafka, config.databaseUrl, topicNames(config.topicPrefix).events, `${config.topicPrefix}${PROJECTOR_DEFAULTS.groupId}`);
        if (opts.json === true) process.stdout.write(`${JSON.stringify(status)}\n`);
        else printStatus(status);
      }),
    );

  projections
    .command('rebuild')
    .description('replay into a shadow schema from the start, catch up with the live stream, swap atomically; resumes when rerun')
    .option('--name <model>', 'one read model (tenants, members, audit); all by default', (value: string, previous: string[] = []) => [...previous, value])
    .option('--restart', 'drop a half-done rebuild of these models instead of resuming it')
    .option('--json', 'print one JSON object when done (no progress bar)')
    .action((opts: { name?: string[]; restart?: boolean; json?: boolean }) =>
      run('rebuild', async () => {
        const config = loadConfig();
        const log = createLogger({ name: 'palisade-rebuild', level: opts.json === true ? 'error' : 'warn' });
        const bar = opts.json === true ? undefined : progressBar(`rebuilding ${(opts.name ?? ['all models']).join(', ')}`);
        try {
          const result = await rebuild({
            kafka: kafkaEndpoint(config, 'projector'), databaseUrl: config.databaseUrl, topic: topicNames(config.topicPrefix).events,
            ...(opts.name ? { models: opts.name } : {}), restart: opts.restart === true, log,
            ...(bar ? { onProgress: bar } : {}),
          });
          bar?.stop();
          if (opts.json === true) {
            process.stdout.write(`${JSON.stringify(result)}\n`);
            return;
          }
          const generations = result.models.map((m) => `${m.name} → ${m.schema}${m.resumed ? ' (resumed)' : ''}`).join(', ');
          process.stdout.write(
            `rebuilt ${generations}: ${result.events} events in ${(result.ms / 1000).toFixed(1)} s (${result.eventsPerSecond} events/s), ` +
              `swapped after ${result.swapAttempts} attempt(s), ${result.retiredGenerationsDropped} retired generation(s) dropped\n`,
          );
        } finally {
          bar?.stop();
        }
      }),
    );
}
