// What a live audit needs, from the application's configuration: the Kafka client and events
// topic, a Postgres pool, the configured immutable store (to inspect anchors) and the anchor key
// the deployment signs with (its public half, beside the key file). close() releases all of it.
import { kafkaEndpoint } from '../deploy/config/kafka.ts';
import type { AppConfig } from '../deploy/config/config.ts';
import type { AnchorAuditOptions } from '../deploy/config/anchors.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { topicNames } from '../adapters/kafka/topics.ts';
import { readAnchorVerifierKey } from '../crypto/anchor-key.ts';
import type { LiveAuditDeps } from '../audit/audit-live.ts';
import { StorageInspector } from '../audit/storage-inspector.ts';
import { openPool } from '../adapters/postgres/pool.ts';

export function openLiveAudit(
  config: AppConfig,
  anchors: AnchorAuditOptions,
  options: { pinnedKeys: readonly string[]; onProgress?: (events: number) => void },
): { deps: LiveAuditDeps; close: () => Promise<void> } {
  const pool = openPool({ connectionString: config.databaseUrl, max: 2 });
  const inspector = new StorageInspector(anchors.store);
  const keyFileVerifierKey = readAnchorVerifierKey(anchors.keyFile, anchors.origin);
  const pinnedFromConfig = anchors.pinnedVerifierKey === undefined ? [] : [anchors.pinnedVerifierKey];
  const deps: LiveAuditDeps = {
    kafka: createKafka({ ...kafkaEndpoint(config, 'auditor'), clientId: 'palisade-audit' }),
    eventsTopic: topicNames(config.topicPrefix).events,
    pool,
    pinnedKeys: options.pinnedKeys.length > 0 ? options.pinnedKeys : pinnedFromConfig,
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
