// The command groups of issue 4 (and issue 12's operator commands) on their own commander program, as `palisade` runs them
// (cli/main.ts wires the same register functions): node cli-child.ts analysts grant …
import { Command } from 'commander';
import { registerAnalystsCommands } from '../../../cli/analysts-commands.ts';
import { registerProjectionsCommands } from '../../../cli/projections-commands.ts';
import { registerOperatorCommands } from '../../../cli/operator-commands.ts';

const program = new Command().name('palisade').exitOverride((error) => process.exit(error.exitCode));
registerAnalystsCommands(program);
registerProjectionsCommands(program);
registerOperatorCommands(program);
await program.parseAsync(process.argv);
