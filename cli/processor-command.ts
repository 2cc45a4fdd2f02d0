import type { Command } from 'commander';
import { configAndLogger, startAnchorer, startProcessor, startProjector, stopOnSignals, type Service } from './services.ts';
import type { AppConfig } from '../deploy/config/config.ts';
import type { Logger } from '../adapters/logger.ts';

/** One long-running service in its own process, stopped gracefully on SIGINT/SIGTERM. */
function registerServiceCommand(program: Command, name: string, description: string, start: (config: AppConfig, log: Logger) => Promise<Service>): void {
  program
    .command(name)
    .description(`${description}; stops gracefully on SIGINT/SIGTERM`)
    .action(async () => {
      const { config, log } = configAndLogger('palisade');
      const service = await start(config, log);
      await stopOnSignals([service], log);
    });
}

export function registerProcessorCommand(program: Command): void {
  registerServiceCommand(program, 'processor', 'run only the command processor (the single writer of tenant chains)', startProcessor);
  registerServiceCommand(program, 'projector', 'run only the projector (read models in PostgreSQL)', startProjector);
  registerServiceCommand(program, 'anchorer', 'run only the anchorer (Merkle checkpoints, signed anchors)', startAnchorer);
}
