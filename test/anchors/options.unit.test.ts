// Anchorer and store options from the environment: validated at start, errors name the variable.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ANCHOR_INTERVAL_MS } from '../../projections/anchors/options.ts';
import { parseInterval } from '../../deploy/config/anchors.ts';
import { anchorStoreOptionsFromEnv } from '../../deploy/config/anchor-store.ts';
import { thrownBy } from '../fixtures/errors.ts';

describe('PALISADE_ANCHOR_INTERVAL', () => {
  it.each([
    [undefined, DEFAULT_ANCHOR_INTERVAL_MS], ['3600', 3_600_000], ['90s', 90_000], ['15m', 900_000], ['1h', 3_600_000], ['500ms', 500],
  ])('%s → %d ms', (value, ms) => {
    expect(parseInterval(value)).toBe(ms);
  });

  it.each(['0', '50ms', '1d', 'soon', '-5', '200h'])('refuses %s, naming the variable', (value) => {
    expect(thrownBy(() => parseInterval(value))).toMatchObject({ name: 'ConfigError', variable: 'PALISADE_ANCHOR_INTERVAL' });
  });
});

describe('anchor store options', () => {
  it('defaults to the fs store in <data dir>/anchors', () => {
    expect(anchorStoreOptionsFromEnv({}, '/data')).toEqual({ kind: 'fs', dir: '/data/anchors' });
  });

  it('reads the s3 options, with a retention default of 7 years', () => {
    expect(anchorStoreOptionsFromEnv({ PALISADE_ANCHOR_STORE: 's3', PALISADE_S3_BUCKET: 'b', PALISADE_S3_ENDPOINT: 'http://127.0.0.1:9000' }, '/nonexistent')).toEqual({
      kind: 's3', bucket: 'b', prefix: 'anchors/', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', retentionDays: 2555,
    });
  });

  it('names the variable at fault', () => {
    expect(thrownBy(() => anchorStoreOptionsFromEnv({ PALISADE_ANCHOR_STORE: 'tape' }, '/d'))).toMatchObject({ variable: 'PALISADE_ANCHOR_STORE' });
    expect(thrownBy(() => anchorStoreOptionsFromEnv({ PALISADE_ANCHOR_STORE: 's3' }, '/nonexistent'))).toMatchObject({ variable: 'PALISADE_S3_BUCKET' });
    expect(thrownBy(() => anchorStoreOptionsFromEnv({ PALISADE_ANCHOR_STORE: 's3', PALISADE_S3_BUCKET: 'b', PALISADE_S3_RETENTION_DAYS: '0' }, '/nonexistent'))).toMatchObject({ variable: 'PALISADE_S3_RETENTION_DAYS' });
  });
});
