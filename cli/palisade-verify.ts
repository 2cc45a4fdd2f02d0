// `palisade-verify DIR`: the standalone verifier of an export bundle. It needs no Kafka, no
// Postgres and no network: only the bundle (and, optionally, a copy of the anchor directory).
// Exit codes: 0 every check holds; 1 the first failure is printed; 2 the bundle or the
// arguments are unusable.
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { describeAudit as describe } from '../audit/describe.ts';
import { BundleError } from '../audit/errors.ts';
import { verifyBundle } from '../audit/bundle/verify-bundle.ts';
import { spinner } from './progress.ts';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_UNUSABLE = 2;

const collect = (value: string, previous: string[]) => [...previous, value];
const positiveInteger = (value: string): number => {
  if (!/^[1-9][0-9]{0,2}$/.test(value)) throw new InvalidArgumentError('a whole number from 1 to 999');
  return Number(value);
};

const program = new Command()
  .name('palisade-verify')
  .description('verify a Palisade audit bundle offline: hash chain, Merkle checkpoints, signed anchors and their proofs')
  .argument('<dir>', 'the bundle directory (from `palisade audit export`)')
  .option('--key <verifier-key>', 'trust anchors signed by this C2SP verifier key (repeatable); default: the bundle\'s keys/anchor-keys.txt', collect, [])
  .option('--anchor-store <dir>', 'also compare every anchor with this copy of the write-once anchor directory')
  .option('--jobs <n>', 'worker threads hashing events (1: all in this thread)', positiveInteger, availableParallelism())
  .option('--json', 'print one JSON object')
  .showHelpAfterError()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_UNUSABLE))
  .action(async (dir: string, opts: { key: string[]; anchorStore?: string; jobs: number; json?: boolean }) => {
    const progress = opts.json ? undefined : spinner('verifying', 'events');
    const result = await verifyBundle(dir, {
      pinnedKeys: opts.key,
      jobs: opts.jobs,
      ...(opts.anchorStore === undefined ? {} : { anchorStoreDir: opts.anchorStore }),
      onProgress: (n) => progress?.update(n),
    });
    progress?.stop(result.events);
    console.log(opts.json ? JSON.stringify(result) : describe(result));
    process.exitCode = result.ok ? EXIT_OK : EXIT_FAILED;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`palisade-verify: ${error instanceof BundleError || error instanceof Error ? error.message : String(error)}`);
  process.exit(EXIT_UNUSABLE);
}
