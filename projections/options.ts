// Options of the projector service (STYLE.md §11): one typed object, validated at start.
import type { KafkaEndpoint } from '../adapters/kafka/client.ts';
import { ProjectionError } from './errors.ts';
import type { ApplyHooks } from './apply/apply-batch.ts';
import { READ_MODEL_NAMES } from './models/index.ts';
import type { ExtraRunCheck } from '../domain/tenant/run-check.ts';

export interface ProjectorOptions {
  /** The brokers and the projector principal's login. */
  readonly kafka: KafkaEndpoint;
  /** Any login; the sessions act as the projector role (see adapters/postgres/roles.ts asRole). */
  readonly databaseUrl: string;
  /** The events topic (`${prefix}palisade.events`). */
  readonly topic: string;
  readonly groupId: string;
  /** Models to keep up to date; all by default. */
  readonly models: readonly string[];
  /** Recompute each event's hash; a mismatch quarantines the tenant (CHAIN_HASH_INVALID). */
  readonly verifyHashes: boolean;
  /** A further check of each event (a signature, issue 12): its anomalies quarantine the tenant too. */
  readonly extraCheck?: ExtraRunCheck;
  /** How often released quarantines are looked for, to re-read their tenant (ms). */
  readonly releasePollMs: number;
  readonly sessionTimeoutMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly maxBytesPerPartition: number;
  /** Tests only: fault injection inside the batch transaction. */
  readonly hooks?: ApplyHooks;
  /** Revoke the analyst logins of tenants deleted in a committed batch (unset: left alone). */
  readonly revokeAnalystsOfDeletedTenants?: boolean;
}

export const PROJECTOR_DEFAULTS = {
  groupId: 'palisade-projector',
  models: READ_MODEL_NAMES,
  verifyHashes: true,
  releasePollMs: 2_000,
  sessionTimeoutMs: 30_000,
  retryInitialMs: 200,
  retryMaxMs: 5_000,
  maxBytesPerPartition: 1_048_576,
} as const;

export function validateProjectorOptions(options: ProjectorOptions): ProjectorOptions {
  const bad = (option: string, problem: string) => new ProjectionError('INVALID_OPTION', `projector option ${option} ${problem}`);
  if (options.kafka.brokers.length === 0) throw bad('kafka', 'is empty: set KAFKA_BROKERS');
  if (!/^postgres(ql)?:\/\//.test(options.databaseUrl)) throw bad('databaseUrl', 'is not a postgres:// URL: set DATABASE_URL');
  if (options.topic.length === 0) throw bad('topic', 'is empty');
  if (options.groupId.length === 0) throw bad('groupId', 'is empty');
  for (const model of options.models)
    if (!READ_MODEL_NAMES.includes(model)) throw bad('models', `names "${model}", which is not one of ${READ_MODEL_NAMES.join(', ')}`);
  if (options.models.length === 0) throw bad('models', 'is empty');
  if (!(options.retryInitialMs > 0 && options.retryMaxMs >= options.retryInitialMs)) throw bad('retryInitialMs/retryMaxMs', 'must be positive and ordered');
  if (!(options.releasePollMs >= 50)) throw bad('releasePollMs', 'must be at least 50 ms');
  if (!(options.maxBytesPerPartition >= 65_536)) throw bad('maxBytesPerPartition', 'must be at least 64 KiB');
  return options;
}
