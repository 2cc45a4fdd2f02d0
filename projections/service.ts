// The projector as one of the services of `npm start` (cli/services.ts wires it; its options
// come from deploy/config/services.ts).
import type { Logger } from '../adapters/logger.ts';
import type { ProjectorOptions } from './options.ts';
import { Projector } from './projector.ts';

export async function startProjector(options: ProjectorOptions, log: Logger): Promise<{ readonly name: string; stop(): Promise<void> }> {
  const projector = new Projector(options, log.child({ service: 'projector' }));
  await projector.start();
  // Like the command processor: a projector that cannot continue exits, so a supervisor (or
  // the operator) restarts it, and it resumes from the offsets stored in PostgreSQL.
  void projector.waitForCrash().then((error) => {
    log.fatal({ err: String(error) }, 'projector stopped beyond recovery; exiting');
    process.exit(1);
  });
  return { name: 'projector', stop: () => projector.stop() };
}
