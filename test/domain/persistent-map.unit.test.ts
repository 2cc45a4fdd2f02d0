// domain/persistent-map.ts against the native Map it replaces in tenant state: any sequence of
// sets and deletes, over keys that share hash prefixes and keys whose whole 32-bit hashes
// collide, gives the same contents, size and lookups; and every earlier version still holds
// exactly what it held (tenant state relies on that to drop an aborted batch).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PersistentMap, PersistentSet, hashOf } from '../../domain/persistent-map.ts';

/** Groups of distinct keys with one hash each, found by brute force (FNV-1a is 32 bits). */
function collidingKeys(groups: number): string[][] {
  const seen = new Map<number, string>();
  const found: string[][] = [];
  for (let i = 0; found.length < groups; i++) {
    const key = `user-${i}`;
    const h = hashOf(key);
    const other = seen.get(h);
    if (other === undefined) seen.set(h, key);
    else found.push([other, key]);
  }
  return found;
}

const COLLIDING = collidingKeys(3);
// Keys sharing the lowest 5 and 10 bits of their hashes (the first trie levels).
const SAME_PREFIX = (() => {
  const byPrefix = new Map<number, string[]>();
  for (let i = 0; i < 5_000; i++) {
    const key = `conv-${i}`;
    const list = byPrefix.get(hashOf(key) & 0x3ff) ?? [];
    byPrefix.set(hashOf(key) & 0x3ff, [...list, key]);
  }
  return [...byPrefix.values()].filter((l) => l.length >= 3).slice(0, 3).flatMap((l) => l.slice(0, 3));
})();
const POOL = [...COLLIDING.flat(), ...SAME_PREFIX, 'alice', 'bob', '', 'ü', '0b9e3c1a-4f2d-4c8e-9a7b-1d2e3f4a5b6c'];

type Op = { readonly kind: 'set'; readonly key: string; readonly value: number } | { readonly kind: 'delete'; readonly key: string };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom(...POOL), value: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...POOL) }) },
);

const sortedEntries = (m: Iterable<readonly [string, number]>) => [...m].map(([k, v]) => [k, v] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function expectSame(actual: PersistentMap<number>, expected: ReadonlyMap<string, number>): void {
  expect(actual.size).toBe(expected.size);
  expect(sortedEntries(actual)).toStrictEqual(sortedEntries(expected));
  expect([...actual.keys()].sort()).toStrictEqual([...expected.keys()].sort());
  expect([...actual.values()].length).toBe(expected.size);
  for (const key of POOL) {
    expect([key, actual.has(key), actual.get(key)]).toStrictEqual([key, expected.has(key), expected.get(key)]);
  }
}

describe('PersistentMap', () => {
  it('finds real collisions for the test (distinct keys, one hash)', () => {
    for (const [a, b] of COLLIDING) expect([a !== b, hashOf(a!) === hashOf(b!)]).toStrictEqual([true, true]);
    expect(SAME_PREFIX.length).toBe(9);
  });

  it('behaves like Map for any sequence of sets and deletes, and never changes an earlier version', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        let map = PersistentMap.empty<number>();
        const model = new Map<string, number>();
        const versions: [PersistentMap<number>, Map<string, number>][] = [[map, new Map()]];
        for (const o of ops) {
          if (o.kind === 'set') {
            map = map.set(o.key, o.value);
            model.set(o.key, o.value);
          } else {
            map = map.delete(o.key);
            model.delete(o.key);
          }
          expectSame(map, model);
          versions.push([map, new Map(model)]);
        }
        for (const [version, snapshot] of versions) expectSame(version, snapshot);
      }),
      { numRuns: 300 },
    );
  });

  it('returns itself when nothing changes (same value, absent key)', () => {
    const value = { role: 'owner' };
    const map = PersistentMap.of([['alice', value]]);
    expect(map.set('alice', value)).toBe(map);
    expect(map.delete('bob')).toBe(map);
    expect(map.set('alice', { role: 'owner' })).not.toBe(map);
  });

  it('holds many keys (several trie levels) and empties back to nothing', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `m-${i}`);
    let map = PersistentMap.empty<number>();
    keys.forEach((k, i) => (map = map.set(k, i)));
    expect([map.size, map.get('m-12345'), map.has('m-20000')]).toStrictEqual([20_000, 12_345, false]);
    const full = map;
    for (const k of keys) map = map.delete(k);
    expect([map.size, [...map].length, full.size, full.get('m-0')]).toStrictEqual([0, 0, 20_000, 0]);
  });

  it('iterates like a Map: for…of, forEach, spread into a Map', () => {
    const map = PersistentMap.of([['a', 1], ['b', 2]]);
    const seen: string[] = [];
    map.forEach((v, k, m) => seen.push(`${k}=${v}:${m === map}`));
    expect(seen.sort()).toStrictEqual(['a=1:true', 'b=2:true']);
    expect(new Map(map)).toStrictEqual(new Map([['a', 1], ['b', 2]]));
  });
});

describe('PersistentSet', () => {
  it('adds, deletes and iterates like a Set, leaving earlier versions intact', () => {
    const empty = PersistentSet.empty();
    const one = empty.add('alice');
    const two = one.add('bob').add(COLLIDING[0]![0]!).add(COLLIDING[0]![1]!);
    expect([empty.size, one.size, two.size]).toStrictEqual([0, 1, 4]);
    expect([...two].sort()).toStrictEqual(['alice', 'bob', ...COLLIDING[0]!].sort());
    expect(two.delete(COLLIDING[0]![0]!).has(COLLIDING[0]![1]!)).toBe(true);
    expect(two.delete(COLLIDING[0]![0]!).has(COLLIDING[0]![0]!)).toBe(false);
    expect([one.has('bob'), one.add('alice') === one, one.delete('zed') === one]).toStrictEqual([false, true, true]);
    expect([...two.entries()].every(([k, v]) => k === v)).toBe(true);
  });
});
