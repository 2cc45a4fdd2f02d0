import type { Command } from 'commander';
import { stackUp } from '../deploy/stack.ts';
import { loadConfig } from '../deploy/config/config.ts';
import { createLogger } from '../adapters/logger.ts';
import { startAllServices, stopOnSignals } from './services.ts';
import { runDemo } from './demo-command.ts';
import { startSummary } from './start-summary.ts';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('bring the local stack up (idempotent), then run every Palisade service in this process until SIGINT/SIGTERM')
    .option('--demo', 'also run the guided demo scenario once the services are up')
    .action(async (opts: { demo?: boolean }) => {
      const up = await stackUp({ onProgress: (p) => { if (p.phase === 'end') console.error(`  ${p.step}: ${p.detail}`); } });
      console.error(`stack ready in ${up.ms} ms (kafka ${up.kafka.brokers.join(',')}, postgres ${up.postgres.mode})`);
      const config = loadConfig();
      const log = createLogger({ name: 'palisade', level: config.logLevel, format: config.logFormat });
      const services = await startAllServices(config, log);
      const summary = startSummary({
        services: services.map((s) => s.name),
        brokers: config.kafka.brokers,
        topicPrefix: config.topicPrefix,
        databaseUrl: config.databaseUrl,
        postgresMode: up.postgres.mode,
        dataDir: config.dataDir,
      });
      console.error(summary);
      const stopped = stopOnSignals(services, log);
      if (opts.demo) await runDemo(config, (line) => console.log(line));
      await stopped;
    });
}
