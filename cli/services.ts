// Builds the long-running services from the validated config, and runs them until a signal.
import { loadConfig, type AppConfig } from '../deploy/config/config.ts';
import { createLogger, type Logger } from '../adapters/logger.ts';
import { topicNames } from '../adapters/kafka/topics.ts';
import { CommandProcessor } from '../consumers/command-processor/processor.ts';
import { PROCESSOR_DEFAULTS, type ProcessorOptions } from '../consumers/command-processor/options.ts';
import { startAnchorer } from '../projections/anchors/anchorer.ts';
import { startProjector } from '../projections/service.ts';
import { loadMasterKey } from '../deploy/config/master-key.ts';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadChatConfig, type ChatConfig } from '../deploy/config/chat.ts';
import { ChatWorker, CHAT_WORKER_GROUP, type ChatWorkerOptions } from '../consumers/chat-worker/service.ts';
import { deriveIndexKey } from '../consumers/chat-worker/index-key.ts';
import { generateSigningKeyPair } from '../crypto/ed25519.ts';
import { readSigningKeyFile, writeSigningKeyFile } from '../crypto/key-file.ts';
import { zero } from '../crypto/secure-memory.ts';
import { openPool } from '../adapters/postgres/pool.ts';
import { grantProducerKeyCapabilities, listProducerKeys, registerProducerKey } from '../producers/key-registry.ts';
import { SERVICE_COMMAND_TYPES } from '../domain/tenant/service-commands.ts';

/** The chat worker's key speaks only as a service, and sends replies and re-seals only. */
const CHAT_WORKER_GRANT = {
  tenants: null, canCreateTenants: false, actorKinds: ['service'], commandTypes: SERVICE_COMMAND_TYPES, description: 'chat worker (local stack)',
} as const;
import { destroyKek } from '../crypto/vault/key-wrap.ts';

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

/**
 * The chat worker's producer key: PALISADE_CHAT_WORKER_KEY_FILE, or on the local stack
 * `<data dir>/keys/chat-worker.json`, created (id `chat-worker-<random>`: key ids are never
 * reused) and registered for every tenant (no CreateTenant) when absent, and registered again
 * when the database no longer knows it (a fresh database under the same data folder).
 */
export async function chatWorkerProducerKey(chat: ChatConfig, databaseUrl: string, log: Logger): Promise<{ keyId: string; secretKey: Buffer }> {
  const source = chat.producerKey;
  if (source.kind === 'file' || existsSync(source.file)) {
    const key = readSigningKeyFile(source.file);
    if (source.kind === 'dev-file') {
      const pool = openPool({ connectionString: databaseUrl, max: 1 });
      try {
        const registered = (await listProducerKeys(pool)).find((k) => k.keyId === key.keyId);
        if (registered === undefined) {
          await registerProducerKey(pool, { keyId: key.keyId, publicKey: key.publicKey, ...CHAT_WORKER_GRANT });
          log.info({ keyId: key.keyId }, 'registered the local chat worker producer key');
        } else if (!registered.actorKinds.includes('service') || registered.commandTypes === null) {
          // Registered before keys had capabilities (migration 0020 left it user-only).
          await grantProducerKeyCapabilities(pool, key.keyId, CHAT_WORKER_GRANT);
          log.info({ keyId: key.keyId }, 'granted the local chat worker producer key its service commands');
        }
      } finally {
        await pool.end();
      }
    }
    return { keyId: key.keyId, secretKey: key.secretKey };
  }
  const keyId = `chat-worker-${randomBytes(4).toString('hex')}`;
  const pair = generateSigningKeyPair();
  const pool = openPool({ connectionString: databaseUrl, max: 1 });
  try {
    await registerProducerKey(pool, { keyId, publicKey: pair.publicKey, ...CHAT_WORKER_GRANT });
  } finally {
    await pool.end();
  }
  mkdirSync(dirname(source.file), { recursive: true, mode: 0o700 });
  writeSigningKeyFile(source.file, keyId, pair.secretKey);
  log.info({ keyId, file: source.file }, 'created and registered a development producer key for the chat worker');
  return { keyId, secretKey: pair.secretKey };
}

/** The chat worker's options from the validated config (refuses to start on a bad value). */
export async function chatWorkerOptions(config: AppConfig, log: Logger): Promise<ChatWorkerOptions> {
  const chat = loadChatConfig(process.env, config.dataDir, config.databaseUrl);
  const topics = topicNames(config.topicPrefix);
  const masterKey = loadMasterKey(process.env, config.dataDir, config.databaseUrl);
  const producer = await chatWorkerProducerKey(chat, config.databaseUrl, log);
  return {
    brokers: config.kafka.brokers,
    topics: { events: topics.events, commands: topics.commands, results: topics.results },
    databaseUrl: config.databaseUrl,
    groupId: `${config.topicPrefix}${CHAT_WORKER_GROUP}`,
    sessionTimeoutMs: config.sessionTimeoutMs,
    masterKey,
    indexKey: deriveIndexKey(masterKey),
    producer,
    turn: { defaultModel: chat.model, maxTokens: chat.maxTokens, timeoutMs: chat.timeoutMs, baseURL: chat.baseURL, memoryLimit: chat.memoryLimit },
    ...(chat.legacySecret === undefined ? {} : { legacySecret: chat.legacySecret }),
  };
}

export async function startChatWorker(config: AppConfig, log: Logger): Promise<Service> {
  const options = await chatWorkerOptions(config, log);
  const worker = new ChatWorker(options, log.child({ service: 'chat-worker' }));
  const forget = () => {
    zero(options.indexKey as Buffer);
    zero(options.producer.secretKey);
    destroyKek(options.masterKey);
  };
  try {
    await worker.start();
  } catch (error) {
    forget();
    throw error;
  }
  void worker.waitForCrash().then((error) => {
    log.fatal({ err: String(error) }, 'chat worker crashed beyond recovery; exiting');
    process.exit(1);
  });
  return {
    name: 'chat-worker',
    stop: async () => {
      await worker.stop();
      forget();
    },
  };
}

/** Every service of this release, in one process (`npm start`). */
export async function startAllServices(config: AppConfig, log: Logger): Promise<Service[]> {
  return [await startProcessor(config, log), await startProjector(config, log), await startAnchorer(config, log), await startChatWorker(config, log)];
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
