// The anchorer as one of the services of `npm start` (cli/services.ts wires it; its options
// come from deploy/config/anchors.ts).
import type { Logger } from '../../adapters/logger.ts';
import { Anchorer } from './anchorer.ts';
import type { AnchorerOptions } from './options.ts';

/** Starts the anchorer; exits the process on a crash, like the processor, so a supervisor restarts it. */
export async function startAnchorer(options: AnchorerOptions, log: Logger): Promise<{ readonly name: string; stop(): Promise<void> }> {
  const anchorer = new Anchorer(options, log.child({ service: 'anchorer' }));
  await anchorer.start();
  void anchorer.waitForCrash().then((error) => {
    log.fatal({ err: String(error) }, 'anchorer stopped on a failure; exiting so a supervisor restarts it');
    process.exit(1);
  });
  return { name: 'anchorer', stop: () => anchorer.stop() };
}
