// Which immutable store anchors go to, from the environment (validated at start, STYLE.md §11):
// PALISADE_ANCHOR_STORE (fs or s3), PALISADE_ANCHOR_DIR for fs, PALISADE_S3_BUCKET,
// PALISADE_S3_ENDPOINT, PALISADE_S3_REGION, PALISADE_S3_PREFIX, PALISADE_S3_RETENTION_DAYS for s3
// (README.md's table says what each means and its default). S3 settings the environment leaves
// out come from the local stack's moto when `palisade stack up --s3` recorded one. Credentials
// come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID, profiles, roles); only with the
// local stack's moto and no AWS_ACCESS_KEY_ID set are its test credentials used.
import { isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_RETENTION_DAYS, type AnchorStoreOptions } from '../../adapters/storage/store-options.ts';
import { LOCAL_S3_CREDENTIALS, readLocalS3State } from '../s3/local-s3.ts';
import { envValue, parseIntegerVariable, type Env } from './env.ts';
import { ConfigError } from './errors.ts';

export function anchorStoreOptionsFromEnv(env: Env, dataDir: string): AnchorStoreOptions {
  const kind = envValue(env, 'PALISADE_ANCHOR_STORE') ?? 'fs';
  if (kind === 'fs') {
    const dir = envValue(env, 'PALISADE_ANCHOR_DIR');
    return { kind: 'fs', dir: dir === undefined ? join(dataDir, 'anchors') : isAbsolute(dir) ? dir : resolve(dir) };
  }
  if (kind !== 's3') throw new ConfigError('PALISADE_ANCHOR_STORE', `is "${kind}"`, 'use fs (a write-once directory) or s3 (a bucket with Object Lock)');
  const local = readLocalS3State(dataDir);
  const bucket = envValue(env, 'PALISADE_S3_BUCKET') ?? local?.bucket;
  if (bucket === undefined) throw new ConfigError('PALISADE_S3_BUCKET', 'is not set', 'name a bucket created with Object Lock, or run `palisade stack up --s3`');
  const endpoint = envValue(env, 'PALISADE_S3_ENDPOINT') ?? local?.endpoint;
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+\/?$/.test(endpoint)) {
    throw new ConfigError('PALISADE_S3_ENDPOINT', `is "${endpoint}"`, 'set it like PALISADE_S3_ENDPOINT=http://127.0.0.1:9000');
  }
  const prefix = envValue(env, 'PALISADE_S3_PREFIX') ?? 'anchors/';
  if (!/^[A-Za-z0-9._/-]{0,200}$/.test(prefix)) throw new ConfigError('PALISADE_S3_PREFIX', `is "${prefix}"`, 'use letters, digits, ".", "_", "-" and "/"');
  const usesLocalStack = local !== undefined && endpoint === local.endpoint && envValue(env, 'AWS_ACCESS_KEY_ID') === undefined;
  return {
    kind: 's3',
    bucket,
    prefix,
    region: envValue(env, 'PALISADE_S3_REGION') ?? local?.region ?? 'us-east-1',
    ...(endpoint === undefined ? {} : { endpoint }),
    retentionDays: parseIntegerVariable(env, 'PALISADE_S3_RETENTION_DAYS', { min: 1, max: 36_500 }, DEFAULT_RETENTION_DAYS),
    ...(usesLocalStack ? { credentials: LOCAL_S3_CREDENTIALS } : {}),
  };
}
