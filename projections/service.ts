// The projector as one of the services of `npm start` (cli/services.ts wires it).
import type { AppConfig } from '../deploy/config/config.ts';
import type { Logger } from '../adapters/logger.ts';
import { topicNames } from '../adapters/kafka/topics.ts';
import { PROJECTOR_DEFAULTS, type ProjectorOptions } from './options.ts';
import { Projector } from './projector.ts';

export function projectorOptions(config: AppConfig): ProjectorOptions {
  return {
    ...PROJECTOR_DEFAULTS,
    brokers: config.kafka.brokers,
    databaseUrl: config.databaseUrl,
    topic: topicNames(config.topicPrefix).events,
    groupId: `${config.topicPrefix}${PROJECTOR_DEFAULTS.groupId}`,
    sessionTimeoutMs: config.sessionTimeoutMs,
    revokeAnalystsOfDeletedTenants: true,
  };
}

export async function startProjector(config: AppConfig, log: Logger): Promise<{ readonly name: string; stop(): Promise<void> }> {
  const projector = new Projector(projectorOptions(config), log.child({ service: 'projector' }));
  await projector.start();
  // Like the command processor: a projector that cannot continue exits, so a supervisor (or
  // the operator) restarts it, and it resumes from the offsets stored in PostgreSQL.
  void projector.waitForCrash().then((error) => {
    log.fatal({ err: String(error) }, 'projector stopped beyond recovery; exiting');
    process.exit(1);
  });
  return { name: 'projector', stop: () => projector.stop() };
}
