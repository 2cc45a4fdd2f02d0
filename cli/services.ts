// Builds the long-running services from the validated config, and runs them until a signal.
import { loadConfig, type AppConfig } from '../config/config.ts';
import { createLogger, type Logger } from '../config/logger.ts';
import { topicNames } from '../kafka/topics.ts';
import { CommandProcessor } from '../consumers/command-processor/processor.ts';
import { PROCESSOR_DEFAULTS, type ProcessorOptions } from '../consumers/command-processor/options.ts';
import { startAnchorer } from '../projections/anchors/anchorer.ts';
import { startProjector } from '../projections/service.ts';
import { loadMasterKey } from '../config/master-key.ts';

export interface Service {
  readonly name: string;
  stop(): Promise<void>;
}

export function processorOptions(config: AppConfig): ProcessorOptions {
  const topics = topicNames(config.topicPrefix);
  return {
    ...PROCESSOR_DEFAULTS,
    brokers: config.kafka.brokers,
    databaseUrl: config.databaseUrl,
    groupId: `${config.topicPrefix}${PROCESSOR_DEFAULTS.groupId}`,
    sessionTimeoutMs: config.sessionTimeoutMs,
    topics: { commands: topics.commands, events: topics.events, results: topics.results, deadLetter: topics.deadLetter },
    // Refuses to start (MasterKeyError, a ConfigError) when the key is missing or malformed.
    masterKey: loadMasterKey(process.env, config.dataDir, config.databaseUrl),
  };
}

export async function startProcessor(config: AppConfig, log: Logger): Promise<Service> {
  const processor = new CommandProcessor(processorOptions(config), log.child({ service: 'command-processor' }));
  await processor.start();
  // A consumer kafkajs will not restart leaves the process alive but idle: exit instead, so a
  // supervisor (or the operator) restarts it and the partitions are rebuilt from the log.
  void processor.waitForCrash().then((error) => {
    log.fatal({ err: String(error) }, 'command processor crashed beyond recovery; exiting');
    process.exit(1);
  });
  return { name: 'command-processor', stop: () => processor.stop() };
}

/** Every service of this release, in one process (`npm start`). */
export async function startAllServices(config: AppConfig, log: Logger): Promise<Service[]> {
  return [await startProcessor(config, log), await startProjector(config, log), await startAnchorer(config, log)];
}

/**
 * Stops services on SIGINT/SIGTERM: each finishes its batch in flight (the transaction commits
 * or aborts, nothing accepted is lost). A second signal exits at once.
 */
export function stopOnSignals(services: readonly Service[], log: Logger): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'stopping services');
      void Promise.allSettled(services.map((s) => s.stop())).then(() => resolve());
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export function configAndLogger(name: string): { config: AppConfig; log: Logger } {
  const config = loadConfig();
  return { config, log: createLogger({ name, level: config.logLevel }) };
}
