// The standalone verifier must keep working when Palisade the service is gone: its import graph
// reaches no Kafka, Postgres or network client, and none of the writer's code (the anchorer).
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)(?:\s[^;'"`]*?\sfrom|)\s*['"]([^'"]+)['"]/g;

function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const match of source.matchAll(IMPORT)) {
      const spec = match[1]!;
      if (/^\s*(?:import|export)\s+type\s/.test(match[0].trimStart())) continue; // erased at run time
      if (spec.startsWith('.')) visit(relative(ROOT, join(ROOT, dirname(file), spec)));
      else packages.add(spec.startsWith('node:') ? 'node:' : spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
    }
  };
  visit(entry);
  return { files, packages };
}

describe('palisade-verify (audit/standalone/main.ts)', () => {
  const graph = importGraph('audit/standalone/main.ts');

  it('imports no Kafka, Postgres or AWS client', () => {
    // (sodium-native is loaded through createRequire in chain/sha256.ts and crypto/sodium.ts.)
    expect([...graph.packages].sort()).toEqual(['canonicalize', 'cli-progress', 'commander', 'node:']);
  });

  it('shares no code with the anchorer beyond the write-once directory reader', () => {
    const writerFiles = [...graph.files].filter((f) => f.startsWith('projections/'));
    expect(writerFiles.sort()).toEqual(['projections/anchors/storage/anchor-store.ts', 'projections/anchors/storage/errors.ts', 'projections/anchors/storage/fs-store.ts']);
  });
});
