// `palisade` — the CLI entry point. Subcommands live in one file each; this file only wires them.
import { Command } from 'commander';
import { registerStackCommands } from './stack-commands.ts';
import { registerMigrateCommand } from './migrate-command.ts';
import { registerProcessorCommand } from './processor-command.ts';
import { registerProducerCommands } from './producer-commands.ts';
import { registerAuditCommands } from './audit-commands.ts';
import { registerAnalystsCommands } from './analysts-commands.ts';
import { registerProjectionsCommands } from './projections-commands.ts';
import { registerVaultCommands } from './vault-commands.ts';
import { registerOperatorCommands } from './operator-commands.ts';
import { registerStartCommand } from './start-command.ts';
import { registerDemoCommand } from './demo-command.ts';
import { registerChatCommands } from './chat-try.ts';
import { configAndLogger, startChatWorker, stopOnSignals } from './services.ts';

const program = new Command()
  .name('palisade')
  .description('Palisade: hash-chained, multi-tenant event spine on Kafka and PostgreSQL')
  .showHelpAfterError()
  .exitOverride((error) => {
    process.exit(error.exitCode);
  });

registerStartCommand(program);
registerDemoCommand(program);
registerChatCommands(program);
registerStackCommands(program);
registerMigrateCommand(program);
registerProcessorCommand(program);
program
  .command('chat-worker')
  .description('run only the chat worker (answers chat turns through the Anthropic Messages API, keeps the memory index); stops gracefully on SIGINT/SIGTERM')
  .action(async () => {
    const { config, log } = configAndLogger('palisade');
    const service = await startChatWorker(config, log);
    await stopOnSignals([service], log);
  });
registerProducerCommands(program);
registerAuditCommands(program);
registerAnalystsCommands(program);
registerProjectionsCommands(program);
registerVaultCommands(program);
registerOperatorCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`palisade: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
