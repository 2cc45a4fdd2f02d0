// What a live audit needs, from the application's configuration: the Kafka client and events
// topic, a Postgres pool, the configured immutable store (to inspect anchors) and the anchor key
// the deployment signs with (its public half, beside the key file). close() releases all of it.
import type { AppConfig } from '../deploy/config/config.ts';
import type { Env } from '../deploy/config/env.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { topicNames } from '../adapters/kafka/topics.ts';
import { anchorKeyFile, readAnchorVerifierKey } from '../crypto/anchor-key.ts';
import { anchorOrigin } from '../projections/anchors/options.ts';
import { anchorStoreOptionsFromEnv } from '../adapters/storage/store-options.ts';
import type { LiveAuditDeps } from '../audit/audit-live.ts';
import { StorageInspector } from '../audit/storage-inspector.ts';
import { openPool } from '../adapters/postgres/pool.ts';

export function openLiveAudit(config: AppConfig, env: Env, options: { pinnedKeys: readonly string[]; onProgress?: (events: number) => void }): { deps: LiveAuditDeps; close: () => Promise<void> } {
  const pool = openPool({ connectionString: config.databaseUrl, max: 2 });
  const inspector = new StorageInspector(anchorStoreOptionsFromEnv(env, config.dataDir));
  const pinnedFromEnv = env['PALISADE_ANCHOR_VERIFIER_KEY']?.trim();
  const keyFileVerifierKey = readAnchorVerifierKey(anchorKeyFile(env, config.dataDir), anchorOrigin(env));
  const deps: LiveAuditDeps = {
    kafka: createKafka({ brokers: config.kafka.brokers, clientId: 'palisade-audit' }),
    eventsTopic: topicNames(config.topicPrefix).events,
    pool,
    pinnedKeys: options.pinnedKeys.length > 0 ? options.pinnedKeys : pinnedFromEnv ? [pinnedFromEnv] : [],
    ...(keyFileVerifierKey === undefined ? {} : { keyFileVerifierKey }),
    inspectStorage: inspector.inspect,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  };
  return {
    deps,
    close: async () => {
      await inspector.close();
      await pool.end();
    },
  };
}
