// The canary scan (issue 5): unique random strings as secrets — API keys sk-ant-api03-…,
// passwords and tokens inside source configs — sent through every path (store, rotate, delete,
// connect, rotate a credential, legacy import sealed at intake, an ownership
// refusal, and refused commands whose intake box is for the wrong binding), then searched for,
// in plain text, hex and base64, everywhere the system keeps or emits anything: every record of
// every topic of the spine and the broker's files of those topics, a dump of the spine's
// database and its heap files, the PostgreSQL server log, the processor's and projector's logs,
// every CommandResult and every error. Zero hits. Each place is also checked to hold what it
// should (a positive control), so an empty or unreadable source cannot pass for a clean one.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerKeyBinding, sourceCredentialBinding } from '../../domain/tenant/secrets.ts';
import { readStackState } from '../../deploy/state.ts';
import { embeddedPaths } from '../../deploy/postgres/embedded.ts';
import {
  connectSourcePayload, importLegacyProviderKeyPayload, importLegacySourcePayload, rotateProviderKeyPayload, rotateSourceCredentialPayload, sealSecret,
  storeProviderKeyPayload,
} from '../../producers/secrets.ts';
import { testConfig } from '../support/stack.ts';
import { userActor } from '../support/spine.ts';
import { Canaries, dumpEveryTable, filesUnder, matchingPgDump, pgDump, topicBytes, topicFiles, type Hit } from './support/canary.ts';
import { VaultFlow, antMask, keyRef, legacyValue, newTenant, sourceRef, textOf, uid } from './support/flow.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const c = new Canaries();
let f: VaultFlow;
const T = newTenant();
const owner = uid('owner');
const alice = uid('alice');
const bob = uid('bob');
const carol = uid('carol');
const [S1, S2, S3, S4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const key = {
  stored: c.make('api key stored', 'sk-ant-api03-'),
  rotated: c.make('api key rotated', 'sk-ant-api03-'),
  deleted: c.make('api key stored then deleted', 'sk-ant-api03-'),
  legacy: c.make('api key imported as legacy', 'sk-ant-api03-'),
  wrongBinding: c.make('api key in a box for another user', 'sk-ant-api03-'),
};
const pw = {
  connected: c.make('password of a connected source'),
  token: c.make('token of a connected source'),
  rotated: c.make('password of a rotated credential'),
  legacy: c.make('password imported as legacy'),
  wrongBinding: c.make('password in a box for another source'),
  notOwner: c.make('password sent by a non-owner'),
};
/** A known intake box and a known sealed value, for the positive controls. */
const known: { box?: string; ct?: string } = {};

/** Every place scanned, and what it held: the report of the test. */
const coverage: Record<string, string> = {};

beforeAll(async () => {
  f = await VaultFlow.create();
  await f.tenant(T, owner, [[alice, 'member'], [bob, 'member'], [carol, 'member']]);
  const intake = f.intakePublicKey;
  // Store, rotate, store and delete.
  const stored = storeProviderKeyPayload({ tenantId: T, userId: alice, provider: 'anthropic', apiKey: key.stored }, intake);
  known.box = stored['apiKey'] as string;
  await f.accept({ tenantId: T, type: 'StoreProviderKey', actor: userActor(alice), payload: stored });
  await f.accept({ tenantId: T, type: 'RotateProviderKey', actor: userActor(alice), payload: rotateProviderKeyPayload({ tenantId: T, userId: alice, provider: 'anthropic', apiKey: key.rotated }, intake) });
  await f.accept({ tenantId: T, type: 'StoreProviderKey', actor: userActor(bob), payload: storeProviderKeyPayload({ tenantId: T, userId: bob, provider: 'openai', apiKey: key.deleted }, intake) });
  await f.accept({ tenantId: T, type: 'DeleteProviderKey', actor: userActor(bob), payload: { provider: 'openai' } });
  // Connect, rotate the credential, authorize a query.
  const config = { host: 'db.internal', user: 'svc', password: pw.connected, token: pw.token };
  await f.accept({ tenantId: T, type: 'ConnectSource', actor: userActor(alice), payload: connectSourcePayload({ tenantId: T, sourceId: S1, kind: 'postgres', name: 'warehouse', config }, intake) });
  await f.accept({ tenantId: T, type: 'RotateSourceCredential', actor: userActor(alice), payload: rotateSourceCredentialPayload({ tenantId: T, sourceId: S1, config: { ...config, password: pw.rotated } }, intake) });
  await f.accept({ tenantId: T, type: 'AuthorizeSourceQuery', actor: userActor(alice), payload: { sourceId: S1, queryHash: 'b'.repeat(64), maxRows: 5, maxBytes: 500 } });
  // Legacy import, sealed at intake (the processor decrypts it and seals the plaintext).
  await f.accept({ tenantId: T, type: 'StoreProviderKey', actor: userActor(carol), payload: importLegacyProviderKeyPayload({ tenantId: T, userId: carol, provider: 'anthropic', legacyValue: legacyValue(key.legacy) }, intake) });
  await f.accept({ tenantId: T, type: 'ConnectSource', actor: userActor(carol), payload: importLegacySourcePayload({ tenantId: T, sourceId: S2, kind: 'mysql', name: 'old', legacyValue: legacyValue(JSON.stringify({ password: pw.legacy })) }, intake) });
  // Refused: intake boxes sealed for another binding, and a non-owner's rotation.
  await f.reject({ tenantId: T, type: 'StoreProviderKey', actor: userActor(bob), payload: { provider: 'anthropic', apiKey: sealSecret(key.wrongBinding, intake, providerKeyBinding(T, alice, 'anthropic')) } }, 'SECRET_INTAKE_FAILED');
  await f.reject({
    tenantId: T, type: 'ConnectSource', actor: userActor(alice),
    payload: { sourceId: S3, kind: 'github', name: 'code', credential: sealSecret(JSON.stringify({ token: pw.wrongBinding }), intake, sourceCredentialBinding(T, S4)) },
  }, 'SECRET_INTAKE_FAILED');
  await f.reject({ tenantId: T, type: 'RotateSourceCredential', actor: userActor(bob), payload: rotateSourceCredentialPayload({ tenantId: T, sourceId: S1, config: { password: pw.notOwner } }, intake) }, 'NOT_SOURCE_OWNER');
  await f.waitForProjection();

  // Every path of the opener: sealed values (legacy imports included: v2 already), refusals.
  const opener = f.opener();
  expect(await f.open(opener, keyRef(T, alice, 'anthropic'))).toBe(key.rotated);
  expect(JSON.parse(await f.open(opener, sourceRef(T, alice, S1)))).toMatchObject({ password: pw.rotated, token: pw.token });
  expect(await f.open(opener, keyRef(T, carol, 'anthropic'))).toBe(key.legacy);
  expect(JSON.parse(await f.open(opener, sourceRef(T, carol, S2)))).toEqual({ password: pw.legacy });
  expect((await f.openFails(opener, keyRef(T, bob, 'openai'))).code).toBe('SECRET_NOT_FOUND');
  const imported = (await f.events(T)).map((e) => e.event).find((e) => e.type === 'ProviderKeyStored' && e.payload['userId'] === carol);
  expect(imported?.payload['mask']).toBe(antMask(key.legacy));
  known.ct = (imported!.payload['secret'] as { ct: string }).ct;
  await f.rm.admin.query('analyze');
});
afterAll(async () => {
  console.info(`[vault-flow canary scan] ${c.all.length} canaries, each in ${c.forms().length / c.all.length} forms, over:\n${Object.entries(coverage).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
  await f?.close();
});

const expectNoHits = (hits: Hit[]) => expect(hits).toEqual([]);

describe('the canaries are nowhere', () => {
  it('(the scan itself finds a canary in plain text, hex, and inside any base64 or base64url at any alignment)', () => {
    const canary = key.stored;
    for (let k = 0; k < 3; k++) {
      const bytes = Buffer.concat([randomBytes(k), Buffer.from(`{"apiKey":"${canary}"}`), randomBytes(5)]);
      expect(c.scan('base64', bytes.toString('base64')).map((h) => h.canary)).toContain('api key stored');
      expect(c.scan('base64url', bytes.toString('base64url')).map((h) => h.canary)).toContain('api key stored');
      expect(c.scan('hex', bytes.toString('hex')).map((h) => h.form)).toEqual(['hex']);
      expect(c.scan('HEX', bytes.toString('hex').toUpperCase()).map((h) => h.form)).toEqual(['HEX']);
      expect(c.scan('raw', bytes).map((h) => h.form)).toEqual(['plain']);
    }
  });

  it('in any record of any topic of the spine (commands, events, results, anchors, dead letters)', async () => {
    const topics = f.spine.topics;
    const read = Object.fromEntries(await Promise.all(Object.entries(topics).map(async ([name, topic]) => [name, await topicBytes(f.spine.kafka, topic)] as const)));
    for (const [name, { bytes, records }] of Object.entries(read)) {
      coverage[`topic ${name}`] = `${records} records, ${bytes.length} bytes`;
      expectNoHits(c.scan(`topic ${name}`, bytes));
    }
    // Positive controls: the scan reads what is there.
    // Commands: 4 set the tenant up, 12 carry or touch secrets (3 refused). Events: one per
    // accepted command, and the non-owner's refusal recorded.
    expect([read['commands']!.records, read['events']!.records, read['results']!.records]).toEqual([16, 14, 16]);
    expect(read['commands']!.bytes.includes(known.box!)).toBe(true);
    expect(read['events']!.bytes.includes(known.ct!)).toBe(true);
    expect(read['events']!.bytes.includes(antMask(key.rotated))).toBe(true);
    expect(read['results']!.bytes.includes('SECRET_INTAKE_FAILED')).toBe(true);
  });

  it('in the broker\'s files of those topics (every record as written, aborted transactions included)', () => {
    const kafkaData = join(testConfig().dataDir, 'kafka', 'data');
    expect(readStackState(testConfig().dataDir)?.kafka?.mode).toBe('local');
    let files = 0;
    let bytes = 0;
    for (const [name, topic] of Object.entries(f.spine.topics)) {
      const found = topicFiles(kafkaData, topic);
      expect(found.length, topic).toBeGreaterThanOrEqual(f.spine.partitions);
      for (const file of found) expectNoHits(c.scan(`${name}: ${file.path}`, file.bytes));
      files += found.length;
      bytes += found.reduce((n, x) => n + x.bytes.length, 0);
      if (name === 'events') expect(found.some((x) => x.bytes.includes(known.ct!))).toBe(true);
      if (name === 'commands') expect(found.some((x) => x.bytes.includes(known.box!))).toBe(true);
    }
    coverage['broker files'] = `${files} files, ${bytes} bytes (offset/time indexes left out)`;
    for (const file of filesUnder(join(testConfig().dataDir, 'kafka', 'logs'))) expectNoHits(c.scan(`broker log ${file.path}`, file.bytes, true));
  });

  it('in a dump of the spine\'s database: pg_dump if one matches the server, and every row of every table and catalog as text', async () => {
    const major = Number(((await f.q('show server_version_num'))[0]!['server_version_num'] as string).slice(0, -4));
    const dumper = matchingPgDump(major, ROOT);
    if (dumper.path !== undefined) {
      const dump = pgDump(dumper.path, f.spine.db.url);
      coverage['pg_dump'] = `${dumper.path} (${dumper.version}): ${dump.length} bytes`;
      expectNoHits(c.scan('pg_dump', dump));
      expect(dump.includes(known.ct!)).toBe(true);
    } else {
      coverage['pg_dump'] = `none matches server major ${major} (tried: ${dumper.tried.join(', ') || 'none found'}): the table dump below stands in for it`;
    }
    const { text, tables } = await dumpEveryTable(f.rm.admin);
    coverage['table dump'] = `${tables} tables (catalogs included), ${text.length} characters`;
    expectNoHits(c.scan('table dump', text));
    for (const table of ['pg_catalog.pg_statistic', 'pg_catalog.pg_largeobject', 'vault.deks', 'projection_meta.bypass_uses']) expect(text).toContain(`-- ${table}\n`);
    expect(text).toContain(known.ct!);
    expect(text).toContain(antMask(key.rotated));
      });

  it('in the database\'s heap files after a CHECKPOINT (dead row versions included) and in the server log', async () => {
    const stack = readStackState(testConfig().dataDir);
    expect(stack?.postgres?.mode).toBe('embedded');
    const pgdata = embeddedPaths(testConfig().dataDir).pgdata;
    const oid = (await f.q('select oid::text as oid from pg_database where datname = current_database()'))[0]!['oid'] as string;
    await f.rm.admin.query('checkpoint');
    const files = filesUnder(join(pgdata, 'base', oid));
    coverage['heap files'] = `${files.length} files, ${files.reduce((n, x) => n + x.bytes.length, 0)} bytes under base/${oid}`;
    for (const file of files) expectNoHits(c.scan(`heap ${file.path}`, file.bytes));
    expect(files.some((x) => x.bytes.includes(known.ct!))).toBe(true);
    const logFile = stack?.postgres?.mode === 'embedded' ? stack.postgres.logFile : '';
    expect(existsSync(logFile)).toBe(true);
    const log = readFileSync(logFile);
    coverage['postgres log'] = `${log.length} bytes`;
    expectNoHits(c.scan('postgres log', log));
  });

  it('in any log line of the processor, the projector and their Kafka clients, any CommandResult or any error', () => {
    const logs = f.log.lines.join('\n');
    coverage['logs'] = `${f.log.lines.length} lines`;
    expectNoHits(c.scan('logs', logs));
    expect(logs).toContain('command processor started');
    expect(logs).toContain('vault ready');
    const results = textOf(f.results);
    coverage['results'] = `${f.results.length} CommandResults`;
    expectNoHits(c.scan('results', results));
    expect(results).toContain('INTAKE_BINDING_MISMATCH');
    expect(f.results.filter((r) => r.outcome === 'rejected').map((r) => r.code)).toEqual(['SECRET_INTAKE_FAILED', 'SECRET_INTAKE_FAILED', 'NOT_SOURCE_OWNER']);
    const errors = textOf(f.errors);
    coverage['errors'] = `${f.errors.length} opener errors`;
    expectNoHits(c.scan('errors', errors));
    expect(f.errors.map((e) => (e as { code?: string }).code)).toEqual(['SECRET_NOT_FOUND']);
  });
});
