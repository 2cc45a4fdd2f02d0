// Builds the long-running services from the validated config, and runs them until a signal.
import { loadConfig, type AppConfig } from '../deploy/config/config.ts';
import { anchorerOptions } from '../deploy/config/anchors.ts';
import { processorOptions, projectorOptions } from '../deploy/config/services.ts';
import { createLogger, type Logger } from '../adapters/logger.ts';
import { topicNames } from '../adapters/kafka/topics.ts';
import { CommandProcessor } from '../consumers/command-processor/processor.ts';
import { Anchorer } from '../projections/anchors/anchorer.ts';
import { Projector } from '../projections/projector.ts';
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

/** What every long-running service offers: start, stop, and a promise settled when it cannot go on. */
interface Runnable {
  start(): Promise<void>;
  stop(): Promise<void>;
  waitForCrash(): Promise<unknown>;
}

/**
 * Starts `service` in this process. One that cannot continue (a consumer kafkajs will not
 * restart, a corrupt topic) would leave the process alive but idle: it exits instead, so a
 * supervisor (or the operator) restarts it and it resumes from its committed state.
 */
async function supervise(name: string, service: Runnable, log: Logger, crashed: string): Promise<Service> {
  await service.start();
  void service.waitForCrash().then((error) => {
    log.fatal({ err: String(error) }, crashed);
    process.exit(1);
  });
  return { name, stop: () => service.stop() };
}

export function startProcessor(config: AppConfig, log: Logger): Promise<Service> {
  const processor = new CommandProcessor(processorOptions(config), log.child({ service: 'command-processor' }));
  return supervise('command-processor', processor, log, 'command processor crashed beyond recovery; exiting');
}

export function startProjector(config: AppConfig, log: Logger): Promise<Service> {
  const projector = new Projector(projectorOptions(config), log.child({ service: 'projector' }));
  return supervise('projector', projector, log, 'projector stopped beyond recovery; exiting');
}

export function startAnchorer(config: AppConfig, log: Logger): Promise<Service> {
  const anchorer = new Anchorer(anchorerOptions(config), log.child({ service: 'anchorer' }));
  return supervise('anchorer', anchorer, log, 'anchorer stopped on a failure; exiting so a supervisor restarts it');
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
  const chat = loadChatConfig(config);
  const topics = topicNames(config.topicPrefix);
  const masterKey = loadMasterKey(config);
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
  const forget = () => {
    zero(options.indexKey as Buffer);
    zero(options.producer.secretKey);
    destroyKek(options.masterKey);
  };
  let service: Service;
  try {
    service = await supervise('chat-worker', new ChatWorker(options, log.child({ service: 'chat-worker' })), log, 'chat worker crashed beyond recovery; exiting');
  } catch (error) {
    forget();
    throw error;
  }
  return {
    name: service.name,
    stop: async () => {
      await service.stop();
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
  return { config, log: createLogger({ name, level: config.logLevel, format: config.logFormat }) };
}
