// Immutable maps and sets with structural sharing (a hash array mapped trie): `set` and `delete`
// return a new collection in O(log32 n) and leave the old one intact. Tenant state is immutable
// (the processor merges a batch's states only after its transaction commits), and a tenant's
// conversations, messages and memories grow for as long as it lives: copying a native Map on
// every event made each event O(n) and a partition rebuild O(n²). domain/ takes no packages, so
// the trie is here; test/domain/persistent-map.unit.test.ts checks it against Map.

const BITS = 5;
const MASK = (1 << BITS) - 1;

interface Leaf<V> {
  readonly hash: number;
  readonly key: string;
  readonly value: V;
}

/** One level of the trie: a child (leaf or node) for each 5-bit slice of the hash present. */
interface Branch<V> {
  readonly bitmap: number;
  readonly children: readonly Child<V>[];
}

/** Two keys or more whose 32-bit hashes are equal. */
interface Collision<V> {
  readonly hash: number;
  readonly leaves: readonly Leaf<V>[];
}

type Child<V> = Leaf<V> | Branch<V> | Collision<V>;

const isLeaf = <V>(c: Child<V>): c is Leaf<V> => 'key' in c;
const isCollision = <V>(c: Child<V>): c is Collision<V> => 'leaves' in c;

/** FNV-1a over the UTF-16 code units. */
export function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

const slot = (hash: number, shift: number) => 1 << ((hash >>> shift) & MASK);
const indexOf = (bitmap: number, bit: number) => popcount(bitmap & (bit - 1));

function find<V>(node: Child<V>, hash: number, key: string, shift: number): Leaf<V> | undefined {
  for (;;) {
    if (isLeaf(node)) return node.key === key ? node : undefined;
    if (isCollision(node)) return node.hash === hash ? node.leaves.find((l) => l.key === key) : undefined;
    const bit = slot(hash, shift);
    if ((node.bitmap & bit) === 0) return undefined;
    node = node.children[indexOf(node.bitmap, bit)]!;
    shift += BITS;
  }
}

function withChild<V>(children: readonly Child<V>[], index: number, child: Child<V>): Child<V>[] {
  const copy = children.slice();
  copy[index] = child;
  return copy;
}

/** A node holding two leaves (or a collision and a leaf) whose hashes first differ at or after `shift`. */
function pair<V>(a: Leaf<V> | Collision<V>, b: Leaf<V>, shift: number): Child<V> {
  if (a.hash === b.hash) return { hash: b.hash, leaves: isLeaf(a) ? [a, b] : [...a.leaves, b] };
  const [ia, ib] = [(a.hash >>> shift) & MASK, (b.hash >>> shift) & MASK];
  if (ia === ib) return { bitmap: 1 << ia, children: [pair(a, b, shift + BITS)] };
  return { bitmap: (1 << ia) | (1 << ib), children: ia < ib ? [a, b] : [b, a] };
}

/** `node` with `leaf` set; `node` itself when nothing changes. `grew.by` counts a new key. */
function insert<V>(node: Child<V>, leaf: Leaf<V>, shift: number, grew: { by: number }): Child<V> {
  if (isLeaf(node)) {
    if (node.key === leaf.key) return Object.is(node.value, leaf.value) ? node : leaf;
    grew.by = 1;
    return pair(node, leaf, shift);
  }
  if (isCollision(node)) {
    if (node.hash !== leaf.hash) {
      grew.by = 1;
      return pair(node, leaf, shift);
    }
    const at = node.leaves.findIndex((l) => l.key === leaf.key);
    if (at < 0) {
      grew.by = 1;
      return { hash: node.hash, leaves: [...node.leaves, leaf] };
    }
    if (Object.is(node.leaves[at]!.value, leaf.value)) return node;
    return { hash: node.hash, leaves: withChild(node.leaves, at, leaf) as Leaf<V>[] };
  }
  const bit = slot(leaf.hash, shift);
  const index = indexOf(node.bitmap, bit);
  if ((node.bitmap & bit) === 0) {
    grew.by = 1;
    const children = node.children.slice();
    children.splice(index, 0, leaf);
    return { bitmap: node.bitmap | bit, children };
  }
  const child = node.children[index]!;
  const next = insert(child, leaf, shift + BITS, grew);
  return next === child ? node : { bitmap: node.bitmap, children: withChild(node.children, index, next) };
}

/** `node` without `key`: the same node when absent, undefined when nothing is left. */
function remove<V>(node: Child<V>, hash: number, key: string, shift: number): Child<V> | undefined {
  if (isLeaf(node)) return node.key === key ? undefined : node;
  if (isCollision(node)) {
    if (node.hash !== hash) return node;
    const leaves = node.leaves.filter((l) => l.key !== key);
    if (leaves.length === node.leaves.length) return node;
    // A collision holds two keys or more, so one at least is left.
    return leaves.length === 1 ? leaves[0] : { hash, leaves };
  }
  const bit = slot(hash, shift);
  if ((node.bitmap & bit) === 0) return node;
  const index = indexOf(node.bitmap, bit);
  const child = node.children[index]!;
  const next = remove(child, hash, key, shift + BITS);
  if (next === child) return node;
  if (next !== undefined) return { bitmap: node.bitmap, children: withChild(node.children, index, next) };
  if (node.children.length === 1) return undefined;
  const children = node.children.slice();
  children.splice(index, 1);
  return { bitmap: node.bitmap & ~bit, children };
}

/** The leaves as an iterator of `pick(leaf)`: one generator, no delegation (nested ones cost ~15x a Map's iteration). */
function* walk<V, R>(root: Child<V> | undefined, pick: (leaf: Leaf<V>) => R): Generator<R, undefined> {
  if (root === undefined) return undefined;
  const stack: Child<V>[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isLeaf(node)) yield pick(node);
    else if (isCollision(node)) for (const leaf of node.leaves) yield pick(leaf);
    else for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return undefined;
}

const entryOf = <V>(leaf: Leaf<V>): [string, V] => [leaf.key, leaf.value];
const keyOf = <V>(leaf: Leaf<V>): string => leaf.key;
const valueOf = <V>(leaf: Leaf<V>): V => leaf.value;

export class PersistentMap<V> implements ReadonlyMap<string, V> {
  private readonly root: Child<V> | undefined;
  readonly size: number;

  private constructor(root: Child<V> | undefined, size: number) {
    this.root = root;
    this.size = size;
  }

  static empty<V>(): PersistentMap<V> {
    return new PersistentMap<V>(undefined, 0);
  }

  static of<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    let map = PersistentMap.empty<V>();
    for (const [key, value] of entries) map = map.set(key, value);
    return map;
  }

  get(key: string): V | undefined {
    return this.root === undefined ? undefined : find(this.root, hashOf(key), key, 0)?.value;
  }

  has(key: string): boolean {
    return this.root !== undefined && find(this.root, hashOf(key), key, 0) !== undefined;
  }

  /** A map with `key` set to `value`; this one when it already was (same value by Object.is). */
  set(key: string, value: V): PersistentMap<V> {
    const leaf: Leaf<V> = { hash: hashOf(key), key, value };
    if (this.root === undefined) return new PersistentMap(leaf, 1);
    const grew = { by: 0 };
    const root = insert(this.root, leaf, 0, grew);
    return root === this.root ? this : new PersistentMap(root, this.size + grew.by);
  }

  /** A map without `key`; this one when it had none. */
  delete(key: string): PersistentMap<V> {
    if (this.root === undefined) return this;
    const root = remove(this.root, hashOf(key), key, 0);
    return root === this.root ? this : new PersistentMap(root, this.size - 1);
  }

  entries(): MapIterator<[string, V]> {
    return walk(this.root, entryOf);
  }

  keys(): MapIterator<string> {
    return walk(this.root, keyOf);
  }

  values(): MapIterator<V> {
    return walk(this.root, valueOf);
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const [key, value] of walk(this.root, entryOf)) callback(value, key, this);
  }
}

export class PersistentSet implements ReadonlySet<string> {
  private readonly map: PersistentMap<true>;

  private constructor(map: PersistentMap<true>) {
    this.map = map;
  }

  static empty(): PersistentSet {
    return new PersistentSet(PersistentMap.empty());
  }

  get size(): number {
    return this.map.size;
  }

  has(value: string): boolean {
    return this.map.has(value);
  }

  add(value: string): PersistentSet {
    const map = this.map.set(value, true);
    return map === this.map ? this : new PersistentSet(map);
  }

  delete(value: string): PersistentSet {
    const map = this.map.delete(value);
    return map === this.map ? this : new PersistentSet(map);
  }

  *entries(): SetIterator<[string, string]> {
    for (const key of this.map.keys()) yield [key, key];
  }

  keys(): SetIterator<string> {
    return this.map.keys();
  }

  values(): SetIterator<string> {
    return this.map.keys();
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.map.keys();
  }

  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void): void {
    for (const key of this.map.keys()) callback(key, key, this);
  }
}
