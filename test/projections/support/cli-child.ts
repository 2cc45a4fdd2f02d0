// The two command groups of issue 4 on their own commander program, as `palisade` runs them
// (cli/main.ts wires the same register functions): node cli-child.ts analysts grant …
import { Command } from 'commander';
import { registerAnalystsCommands } from '../../../cli/analysts-commands.ts';
import { registerProjectionsCommands } from '../../../cli/projections-commands.ts';

const program = new Command().name('palisade').exitOverride((error) => process.exit(error.exitCode));
registerAnalystsCommands(program);
registerProjectionsCommands(program);
await program.parseAsync(process.argv);
