// Property: ANY change to ANY field of ANY golden event is detected, at that event's seq and
// with the code that names what changed. Only the ten logical fields are hashed, so adding an
// unknown top-level member is not a change to the event (validateLogicalEvent rejects it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ChainFailureCode, verifyChain } from '../../domain/chain/chain-verifier.ts';
import { jcs } from '../../domain/chain/jcs.ts';
import type { HashedEvent } from '../../domain/logical.ts';
import { copy, eventsByTenant, vectorEvents } from '../fixtures/vectors.ts';

type Path = readonly string[];
type Mutation =
  | { op: 'replace'; path: Path; value: unknown }
  | { op: 'delete'; path: Path }
  | { op: 'addKey'; path: Path; key: string; value: unknown };

const EVENTS = vectorEvents();
const BY_TENANT = eventsByTenant(EVENTS);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every member path below the root (containers and leaves). */
function memberPaths(value: unknown, prefix: Path = []): Path[] {
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([key, member]) => [[...prefix, key], ...memberPaths(member, [...prefix, key])]);
}

function objectPaths(value: unknown, prefix: Path = []): Path[] {
  if (!isObject(value)) return [];
  const own = prefix.length > 0 ? [prefix] : []; // not the event itself
  return [...own, ...Object.entries(value).flatMap(([key, member]) => objectPaths(member, [...prefix, key]))];
}

function at(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
}

function apply(event: HashedEvent, mutation: Mutation): void {
  const parentPath = mutation.op === 'addKey' ? mutation.path : mutation.path.slice(0, -1);
  const parent = at(event, parentPath) as Record<string, unknown>;
  if (mutation.op === 'addKey') parent[mutation.key] = mutation.value;
  else if (mutation.op === 'delete') delete parent[mutation.path.at(-1)!];
  else parent[mutation.path.at(-1)!] = mutation.value;
}

function expectedCode(original: HashedEvent, mutated: HashedEvent, mutation: Mutation): ChainFailureCode {
  switch (mutation.path[0]) {
    case 'tenantId': return 'TENANT_MISMATCH';
    case 'prevHash': return 'PREV_HASH_MISMATCH';
    case 'seq': return typeof mutated.seq === 'number' && mutated.seq < original.seq ? 'SEQ_DUPLICATE' : 'SEQ_GAP';
    default: return 'HASH_MISMATCH'; // content, or the stored hash itself
  }
}

const json = fc.jsonValue({ maxDepth: 2 });

function mutationOf(event: HashedEvent): fc.Arbitrary<Mutation> {
  const replace = fc
    .record({ path: fc.constantFrom(...memberPaths(event)), value: json })
    .filter(({ path, value }) => jcs(value) !== jcs(at(event, path))) // a real change
    .map(({ path, value }): Mutation => ({ op: 'replace', path, value }));
  const remove = fc.constantFrom(...memberPaths(event)).map((path): Mutation => ({ op: 'delete', path }));
  const addKey = fc
    .record({ path: fc.constantFrom(...objectPaths(event)), key: fc.string({ minLength: 1 }), value: json })
    .filter(({ path, key }) => !(key in (at(event, path) as object)))
    .map(({ path, key, value }): Mutation => ({ op: 'addKey', path, key, value }));
  return fc.oneof(replace, remove, addKey);
}

const target = fc
  .integer({ min: 0, max: EVENTS.length - 1 })
  .chain((index) => mutationOf(EVENTS[index]!).map((mutation) => ({ index, mutation })));

describe('tampering with any golden event', () => {
  it('is detected at its seq, with the code for the field that changed', () => {
    fc.assert(
      fc.property(target, ({ index, mutation }) => {
        const original = EVENTS[index]!;
        const events = copy(BY_TENANT.get(original.tenantId)!);
        const mutated = events.find((e) => e.seq === original.seq)!;
        apply(mutated, mutation);

        const verdict = verifyChain(original.tenantId, events);

        expect(verdict.ok).toBe(false);
        if (verdict.ok) return;
        expect(verdict.failure.seq).toBe(original.seq);
        expect(verdict.failure.code).toBe(expectedCode(original, mutated, mutation));
      }),
      { numRuns: 3000 },
    );
  });
});
