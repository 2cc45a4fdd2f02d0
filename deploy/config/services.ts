// The options of the long-running services, from the validated configuration (cli/services.ts
// starts them). The anchorer's options are in anchors.ts, the chat worker's settings in chat.ts.
import { kafkaEndpoint } from './kafka.ts';
import { topicNames } from '../../adapters/kafka/topics.ts';
import { PROCESSOR_DEFAULTS, type ProcessorOptions } from '../../consumers/command-processor/options.ts';
import { PROJECTOR_DEFAULTS, type ProjectorOptions } from '../../projections/options.ts';
import type { AppConfig } from './config.ts';
import { legacySecretOption, type Env } from './env.ts';
import { loadMasterKey } from './master-key.ts';

/** The command processor's options, with the master key in secure memory (destroyKek() it when done). */
export function processorOptions(config: AppConfig, env: Env = process.env): ProcessorOptions {
  const topics = topicNames(config.topicPrefix);
  return {
    ...PROCESSOR_DEFAULTS,
    kafka: kafkaEndpoint(config, 'processor'),
    databaseUrl: config.databaseUrl,
    groupId: `${config.topicPrefix}${PROCESSOR_DEFAULTS.groupId}`,
    sessionTimeoutMs: config.sessionTimeoutMs,
    topics: { commands: topics.commands, events: topics.events, results: topics.results, deadLetter: topics.deadLetter },
    // Refuses to start (MasterKeyError, a ConfigError) when the key is missing or malformed.
    masterKey: loadMasterKey(config, env),
    // Legacy imports are decrypted at intake and sealed, so their ciphertext enters no event.
    ...legacySecretOption(env),
  };
}

export function projectorOptions(config: AppConfig): ProjectorOptions {
  return {
    ...PROJECTOR_DEFAULTS,
    kafka: kafkaEndpoint(config, 'projector'),
    databaseUrl: config.databaseUrl,
    topic: topicNames(config.topicPrefix).events,
    groupId: `${config.topicPrefix}${PROJECTOR_DEFAULTS.groupId}`,
    sessionTimeoutMs: config.sessionTimeoutMs,
    revokeAnalystsOfDeletedTenants: true,
  };
}
