// `palisade stack up|down|status`: the local Kafka + PostgreSQL stack (deploy/stack.ts).
import type { Command } from 'commander';
import { oneLine } from '../deploy/errors.ts';
import { redactUrl } from '../adapters/postgres/database.ts';
import { stackDown, stackUp } from '../deploy/stack.ts';
import type { StackProgress, StackUpResult } from '../deploy/stack.ts';
import { stackStatus, type StackStatus } from '../deploy/status.ts';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A begin line left open on the terminal, to close before an error is printed. */
let openLine = false;

/** Print failures as one line and exit non-zero (via exitCode, so pending output is flushed). */
async function run(name: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (openLine) process.stdout.write('\n');
    openLine = false;
    process.stderr.write(`palisade ${name}: ${oneLine(error)}\n`);
    process.exitCode = 1;
  }
}

/** Step lines; on a terminal the `begin` line is shown and then replaced by its `end` line. */
function progressPrinter(): (progress: StackProgress) => void {
  const tty = process.stdout.isTTY;
  return (progress) => {
    const label = progress.step.padEnd(11);
    if (progress.phase === 'begin') {
      if (tty) process.stdout.write(`  … ${label} ${progress.detail}`);
      openLine = tty;
      return;
    }
    const took = progress.ms === undefined ? '' : ` (${seconds(progress.ms)})`;
    process.stdout.write(`${openLine ? '\r\x1b[2K' : ''}  ✓ ${label} ${progress.detail}${took}\n`);
    openLine = false;
  };
}

function printUp(result: StackUpResult): void {
  const url = result.postgres.mode === 'embedded' ? result.postgres.url : redactUrl(result.postgres.url);
  process.stdout.write(
    `stack is up in ${seconds(result.ms)}` +
      (result.started.length > 0 ? ` (started ${result.started.join(', ')})` : ' (everything was already running)') +
      `\n  KAFKA_BROKERS=${result.kafka.brokers.join(',')}\n  DATABASE_URL=${url}\n` +
      `  topics ${result.topicPrefix}palisade.* with ${result.partitions} partitions; data in ${result.dataDir}\n` +
      (result.s3 ? `  local S3 with Object Lock: ${result.s3.endpoint}, bucket ${result.s3.bucket} (use PALISADE_ANCHOR_STORE=s3)\n` : ''),
  );
}

function printStatus(status: StackStatus): void {
  for (const part of status.parts) {
    const pid = part.pid === null ? '-' : String(part.pid);
    process.stdout.write(
      `${part.part.padEnd(9)} ${part.state.padEnd(11)} pid ${pid.padEnd(8)} ${part.address} (${part.mode})` +
        (part.logFile !== null && part.state !== 'stopped' ? `  log ${part.logFile}` : '') +
        '\n',
    );
  }
  if (status.s3 !== null) process.stdout.write(`${'s3'.padEnd(9)} ${'running'.padEnd(11)} pid ${String(status.s3.pid).padEnd(8)} ${status.s3.endpoint} bucket ${status.s3.bucket} (moto)\n`);
  process.stdout.write(
    status.recorded
      ? `topics ${status.topicPrefix ?? ''}palisade.* with ${status.partitions ?? '?'} partitions; data in ${status.dataDir}\n`
      : `no stack recorded in ${status.dataDir} (run \`palisade stack up\`)\n`,
  );
}

export function registerStackCommands(program: Command): void {
  const stack = program.command('stack').description('the local Kafka broker and PostgreSQL (data in .palisade/)');

  stack
    .command('up')
    .description('start Kafka and PostgreSQL if needed, create the topics, apply the migrations (idempotent)')
    .option('--json', 'print the result as JSON')
    .option('--s3', 'also start a local S3 with Object Lock (moto), for PALISADE_ANCHOR_STORE=s3')
    .action(async (options: { json?: boolean; s3?: boolean }) => {
      await run('stack up', async () => {
        const json = options.json === true;
        if (!json) process.stdout.write('palisade stack up\n');
        const s3 = options.s3 === true;
        const result = await stackUp(json ? { s3 } : { s3, onProgress: progressPrinter() });
        if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else printUp(result);
      });
    });

  stack
    .command('down')
    .description('stop the broker and the embedded PostgreSQL that `stack up` started (never a DATABASE_URL server)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      await run('stack down', async () => {
        const result = await stackDown();
        if (options.json === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else if (result.stopped.length === 0) process.stdout.write('nothing was running\n');
        else
          process.stdout.write(
            `stopped ${result.stopped.map((s) => `${s.part} (pid ${s.pid})`).join(', ')} in ${seconds(result.ms)}\n`,
          );
      });
    });

  stack
    .command('status')
    .description('show whether each part runs, its pid and address')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }) => {
      await run('stack status', async () => {
        const status = await stackStatus();
        if (options.json === true) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        else printStatus(status);
      });
    });
}
