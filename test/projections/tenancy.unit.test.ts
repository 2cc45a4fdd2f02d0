import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProjectionError } from '../../projections/errors.ts';
import { isRetriablePgError, sqlStateOf } from '../../projections/pg-errors.ts';
import { analystConnectionString, grantAnalyst } from '../../projections/tenancy/analysts.ts';
import { asRole, rolePrefixFor, roleMarker, rolesFromPrefix } from '../../adapters/postgres/roles.ts';
import { randomPassword, scramSha256Verifier } from '../../projections/tenancy/scram.ts';
import { selectModels } from '../../projections/models/index.ts';
import { PROJECTOR_DEFAULTS, validateProjectorOptions } from '../../projections/options.ts';

describe('role names', () => {
  it('use a short database name as the prefix and a hash of any other', () => {
    expect(rolePrefixFor('palisade')).toBe('palisade');
    expect(rolePrefixFor('palisade_test_abc')).toMatch(/^p[0-9a-f]{12}$/);
    expect(rolePrefixFor('palisade_test_abc')).not.toBe(rolePrefixFor('palisade_test_abd'));
    expect(rolePrefixFor('Palisade')).toMatch(/^p[0-9a-f]{12}$/);
  });

  it('name every kind under the prefix, and mark roles with their database', () => {
    expect(rolesFromPrefix('palisade')).toMatchObject({ owner: 'palisade_owner', projector: 'palisade_projector', writer: 'palisade_writer', app: 'palisade_app' });
    expect(roleMarker('palisade')).toBe('palisade role of database palisade');
  });

  it('assume a role through a startup parameter', () => {
    expect(asRole('postgres://u:p@h/db', 'palisade_app')).toMatchObject({ options: '-c role=palisade_app' });
  });
});

describe('SCRAM verifiers', () => {
  it('are in the format PostgreSQL stores, with the given salt and iterations', () => {
    const salt = Buffer.alloc(16, 7);
    const verifier = scramSha256Verifier('pencil', salt, 4096);
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:BwcHBwcHBwcHBwcHBwcHBw==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(scramSha256Verifier('pencil', salt, 4096)).toBe(verifier);
    expect(pbkdf2Sync('pencil', salt, 4096, 32, 'sha256')).toHaveLength(32);
  });

  it('refuse passwords SASLprep would change, and random ones are URL-safe', () => {
    expect(() => scramSha256Verifier('pässword')).toThrow(RangeError);
    expect(() => scramSha256Verifier('a b')).toThrow(RangeError);
    expect(randomPassword()).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('analysts', () => {
  it('builds a psql connection string for the analyst from the operator URL', () => {
    expect(analystConnectionString('postgres://postgres:secret@127.0.0.1:54329/palisade?sslmode=disable', 'palisade_a_0123', 'pw-1')).toBe(
      'postgresql://palisade_a_0123:pw-1@127.0.0.1:54329/palisade',
    );
  });

  it('refuses a bad tenant or name before touching the database', async () => {
    await expect(grantAnalyst('postgres://nowhere:1/x', { tenantId: 'acme', name: 'ann', audit: false })).rejects.toMatchObject({ code: 'ANALYST_INVALID_TENANT' });
    await expect(grantAnalyst('postgres://nowhere:1/x', { tenantId: '11111111-1111-4111-8111-111111111111', name: 'Robert"); drop', audit: false })).rejects.toMatchObject({ code: 'ANALYST_INVALID_NAME' });
  });
});

describe('PostgreSQL failures', () => {
  it.each([
    [{ code: '57P01' }, true], [{ code: '08006' }, true], [{ code: 'ECONNREFUSED' }, true], [{ code: '40P01' }, true],
    [new Error('Connection terminated unexpectedly'), true], [{ code: '23505' }, false], [{ code: '42501' }, false],
    [new ProjectionError('EVENT_HASH_MISMATCH', 'x'), false], [new Error('x', { cause: { code: '57P03' } }), true],
  ])('%o is retriable: %s', (error, retriable) => {
    expect(isRetriablePgError(error)).toBe(retriable);
  });

  it('reads a SQLSTATE only when there is one', () => {
    expect(sqlStateOf({ code: 'PA409' })).toBe('PA409');
    expect(sqlStateOf({ code: 'ECONNRESET' })).toBeUndefined();
  });
});

describe('options and models', () => {
  const options = { ...PROJECTOR_DEFAULTS, kafka: { brokers: ['127.0.0.1:9092'] }, databaseUrl: 'postgres://x/y', topic: 'palisade.events' };
  it('name the bad option', () => {
    expect(() => validateProjectorOptions({ ...options, kafka: { brokers: [] } })).toThrow(/kafka/);
    expect(() => validateProjectorOptions({ ...options, models: ['no_such_model'] })).toThrow(/models names "no_such_model"/);
    expect(() => validateProjectorOptions({ ...options, databaseUrl: 'mysql://x' })).toThrow(/databaseUrl/);
    expect(validateProjectorOptions(options)).toBe(options);
  });

  it('select read models by name', () => {
    expect(selectModels().map((m) => m.name)).toEqual(['tenants', 'members', 'audit', 'sources', 'source_queries', 'provider_keys', 'secrets', 'conversations', 'memories', 'chat_content']);
    expect(selectModels(['audit']).map((m) => m.name)).toEqual(['audit']);
    expect(() => selectModels(['no_such_model'])).toThrow(expect.objectContaining({ code: 'UNKNOWN_MODEL' }));
  });
});
