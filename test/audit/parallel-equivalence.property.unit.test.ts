// Property: for any single tampering of events.jsonl, the parallel verifier (worker threads over
// byte ranges of any size) reports exactly what the sequential verifier reports.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../audit/bundle/verify-bundle.ts';
import { TARGET, anchoredHistory } from './fixtures/anchored-history.ts';
import { type BundleFixture, readEvents, removeTemporaryDirs, temporaryDir, writeBundleFixture, writeEvents } from './fixtures/bundle.ts';
import type { HashedEvent } from '../../domain/logical.ts';

type Tamper = (events: HashedEvent[], i: number, j: number) => HashedEvent[];
const TAMPERS: Record<string, Tamper> = {
  none: (e) => e,
  delete: (e, i) => e.filter((_, k) => k !== i),
  swap: (e, i, j) => e.map((x, k) => (k === i ? e[j]! : k === j ? e[i]! : x)),
  payload: (e, i) => e.map((x, k) => (k === i ? { ...x, payload: { ...x.payload, role: 'owner' } } : x)),
  hash: (e, i) => e.map((x, k) => (k === i ? { ...x, hash: 'ab'.repeat(32) } : x)),
  truncate: (e, i) => e.slice(0, i),
  duplicate: (e, i) => [...e.slice(0, i + 1), e[i]!, ...e.slice(i + 1)],
};

afterAll(removeTemporaryDirs);

describe('parallel and sequential verification', () => {
  it('name the same first failure for any tampering and any range size', async () => {
    const storeDir = join(temporaryDir('equivalence-store'), 'anchors');
    const base: BundleFixture = await writeBundleFixture(anchoredHistory(storeDir, { plan: [{ [TARGET]: 9 }, { [TARGET]: 16 }, { [TARGET]: 20 }], tailEvents: 5 }));
    const genuine = readEvents(base.dir);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(TAMPERS)), fc.nat(genuine.length - 1), fc.nat(genuine.length - 1), fc.integer({ min: 100, max: 6_000 }),
        async (tamper, i, j, chunkBytes) => {
          const dir = join(temporaryDir('equivalence'), 'bundle');
          cpSync(base.dir, dir, { recursive: true });
          writeEvents(dir, TAMPERS[tamper]!(genuine, i, j));
          const options = { pinnedKeys: [base.history.verifierKey] };
          const sequential = await verifyBundle(dir, options);
          const parallel = await verifyBundle(dir, { ...options, jobs: 2, chunkBytes });
          expect(parallel).toEqual(sequential);
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);
});
