// One architecture test: every source file's imports against the rules table (rules.ts).
// Fails with the file, the line and the import at fault.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkArchitecture, checkEdges, checkStandalone, roomCycles, ruleCycles } from './check.ts';
import { importGraph, importsOf } from './import-graph.ts';
import { ROOMS } from './rules.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.js'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.length > 0 && statSync(join(ROOT, f), { throwIfNoEntry: false }) !== undefined && !f.startsWith('test/architecture/fixtures/'));
const EDGES = importGraph(ROOT, SOURCES);
const describeViolation = (v: { file: string; line: number; specifier: string; message: string }) => `${v.file}:${v.line} import "${v.specifier}": ${v.message}`;

describe('the house', () => {
  it('has at most 13 top-level folders, each a room of the rules table', () => {
    const folders = readdirSync(ROOT, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules' && d.name !== 'coverage')
      .map((d) => d.name)
      .sort();
    expect(folders.length).toBeLessThanOrEqual(13);
    expect(folders.filter((f) => !Object.hasOwn(ROOMS, f))).toStrictEqual([]);
  });

  it('the rules table itself has no cycle', () => {
    expect(ruleCycles()).toStrictEqual([]);
  });

  it('every import follows the rules table', () => {
    const { violations, stale } = checkArchitecture(EDGES);
    expect(violations.map(describeViolation)).toStrictEqual([]);
    expect(stale, 'KNOWN_VIOLATIONS lists arrows that are gone: remove them').toStrictEqual([]);
  });

  it('no import cycle between top-level folders', () => {
    expect(roomCycles(EDGES)).toStrictEqual([]);
  });

  it('reads every kind of import the code uses', () => {
    const kinds = new Set(EDGES.map((e) => (e.kind === 'package' ? (e.typeOnly ? 'type package' : 'package') : e.typeOnly ? 'type file' : 'file')));
    expect([...kinds].sort()).toStrictEqual(['file', 'package', 'type file', 'type package']);
    // sodium-native is loaded with createRequire and the hash worker with new Worker(new URL(…)).
    expect(EDGES.some((e) => e.file === 'domain/chain/sha256.ts' && e.target === 'sodium-native')).toBe(true);
    expect(EDGES.some((e) => e.file.startsWith('audit/bundle/') && e.target.endsWith('hash-worker.ts'))).toBe(true);
  });
});

describe('the check of the check', () => {
  const fixture = (file: string, source: string) => importsOf(file, source);

  it.each([
    ['domain/tenant/decide.ts', "import type { Pool } from '../../adapters/postgres/pg.ts';", 'domain/ may not import adapters/'],
    ['domain/tenant/decide.ts', "import { randomUUID } from 'node:crypto';", 'domain/ may not use the package node:crypto'],
    ['consumers/chat-worker/service.ts', "import { x } from '../../projections/models/secrets.ts';", 'consumers/ may not import projections/'],
    ['projections/projector.ts', "import { x } from '../consumers/command-processor/processor.ts';", 'projections/ may not import consumers/'],
    ['projections/projector.ts', "import type { Kafka } from 'kafkajs';", 'kafkajs is imported only by adapters/kafka/ (types included)'],
    ['audit/verify-tenant.ts', "import pg from 'pg';", 'pg is imported only by adapters/postgres/'],
    ['producers/client.ts', "import Anthropic from '@anthropic-ai/sdk';", '@anthropic-ai/sdk is imported only by consumers/chat-worker/'],
    ['producers/client.ts', "import { Command } from 'commander';", 'producers/ may not use the package commander'],
    ['adapters/kafka/client.ts', "import { x } from '../../deploy/config/env.ts';", 'adapters/ may not import deploy/'],
    ['schemas/registry.ts', "export { x } from '../crypto/index.ts';", 'schemas/ may not import crypto/'],
    ['domain/chain/sha256.ts', "const s = createRequire(import.meta.url)('pg');", 'pg is imported only by adapters/postgres/'],
    ['domain/tenant/decide.ts', "import canonicalize from 'canonicalize';", 'domain/ may not use the package canonicalize'],
    ['scratch/x.ts', "import { x } from '../domain/index.ts';", 'scratch/ is not a room'],
  ])('%s: %s is refused', (file, source, message) => {
    const violations = checkEdges(fixture(file, source));
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ file, line: 1 });
    expect(violations[0]!.message).toContain(message);
  });

  it('a wrong arrow in a fixture tree fails the whole check, naming file and import', () => {
    const tree = [
      ...fixture('cli/palisade-verify.ts', "import { verifyBundle } from '../audit/bundle/verify-bundle.ts';"),
      ...fixture('audit/bundle/verify-bundle.ts', "import { FsAnchorStore } from '../../adapters/storage/fs-store.ts';\nimport { readTopic } from '../../adapters/kafka/partition-reader.ts';"),
      ...fixture('adapters/kafka/partition-reader.ts', "import kafkajs from 'kafkajs';"),
    ];
    const { violations } = checkArchitecture(tree);
    expect(violations.map(describeViolation)).toStrictEqual([
      'audit/bundle/verify-bundle.ts:2 import "../../adapters/kafka/partition-reader.ts": standalone verifier reaches adapters/kafka/partition-reader.ts (cli/palisade-verify.ts > audit/bundle/verify-bundle.ts > adapters/kafka/partition-reader.ts)',
      'adapters/kafka/partition-reader.ts:1 import "kafkajs": standalone verifier reaches kafkajs (cli/palisade-verify.ts > audit/bundle/verify-bundle.ts > adapters/kafka/partition-reader.ts > kafkajs)',
    ]);
  });

  it('type-only imports do not count toward the standalone closure, but do toward package homes', () => {
    const typeOnly = fixture('audit/bundle/verify-bundle.ts', "import type { KafkaClient } from '../../adapters/kafka/client.ts';");
    expect(checkStandalone([...fixture('cli/palisade-verify.ts', "import '../audit/bundle/verify-bundle.ts';"), ...typeOnly])).toStrictEqual([]);
    expect(checkEdges(fixture('audit/x.ts', "import type { Kafka } from 'kafkajs';"))[0]!.message).toContain('types included');
  });

  it('a cycle between rooms is found', () => {
    const tree = [...fixture('audit/a.ts', "import '../projections/b.ts';"), ...fixture('projections/b.ts', "import '../audit/a.ts';")];
    expect(roomCycles(tree, new Set())).toStrictEqual(['audit -> projections -> audit']);
  });
});
