// docs/architecture.md and the folder READMEs describe the rules table of
// test/architecture/rules.ts; this keeps them from drifting apart. The graph in the doc is
// generated here: on a change of the rules, paste the block this test expects.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PACKAGE_HOMES, PACKAGES, ROOMS, type Room } from '../architecture/rules.ts';
import { fencedBlocks, labelledTable, readDoc, unquote } from './markdown.ts';

const DOC = readDoc('docs/architecture.md');
const ROOM_NAMES = Object.keys(ROOMS) as Room[];
/** Left out of the graph, and said so in the doc: test/ may import every room but docs/, and docs/ none. */
const OFF_GRAPH: readonly Room[] = ['test', 'docs'];

const mayOf = (room: Room): readonly string[] => ROOMS[room].may;
const list = (names: readonly string[], suffix = '/'): string => (names.length === 0 ? '—' : names.map((n) => `\`${n}${suffix}\``).join(', '));
const unlist = (cell: string): string[] => (cell === '—' ? [] : cell.split(', ').map((name) => unquote(name).replace(/\/$/, '')));

/** Every room reachable from `room` along `edges` (not `room` itself unless on a cycle). */
function reachable(room: string, edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(edges.get(room) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(edges.get(next) ?? []));
  }
  return seen;
}

/** A room whose may list holds everything its rooms may import: an arrow into it carries on. */
const isClosed = (room: Room): boolean => mayOf(room).every((b) => mayOf(b as Room).every((c) => mayOf(room).includes(c)));

/**
 * The solid arrows of the graph: each closed room's may list without the rooms another of its
 * arrows reaches. A room that is not closed (bin/ may import cli/, not what cli/ imports) gets
 * dotted arrows to exactly its may list, which reach no further.
 */
function graphEdges(): { solid: Map<string, string[]>; dotted: Map<string, string[]> } {
  const rooms = ROOM_NAMES.filter((r) => !OFF_GRAPH.includes(r));
  const closed = rooms.filter(isClosed);
  const full = new Map<string, readonly string[]>(closed.map((r) => [r, mayOf(r)]));
  const solid = new Map(closed.map((r) => [r, mayOf(r).filter((c) => !mayOf(r).some((b) => b !== c && reachable(b, full).has(c)))]));
  const dotted = new Map(rooms.filter((r) => !isClosed(r)).map((r) => [r, [...mayOf(r)]]));
  return { solid, dotted };
}

function renderRoomsGraph(): string {
  const { solid, dotted } = graphEdges();
  const lines = ['flowchart TD'];
  for (const [room, targets] of solid) for (const target of targets) lines.push(`  ${room} --> ${target}`);
  for (const [room, targets] of dotted) for (const target of targets) lines.push(`  ${room} -. only .-> ${target}`);
  return lines.join('\n');
}

describe('docs/architecture.md', () => {
  it('lists exactly the rooms of rules.ts, in order, with their may lists and reasons', () => {
    const rows = labelledTable(DOC, 'rooms').map(([room, may, why]) => ({ room: unquote(room!).replace(/\/$/, ''), may: unlist(may!), why }));
    expect(rows).toStrictEqual(ROOM_NAMES.map((room) => ({ room, may: [...mayOf(room)], why: ROOMS[room].why })));
  });

  it('draws the graph generated from rules.ts', () => {
    const graph = fencedBlocks(DOC).filter((b) => b.info[0] === 'mermaid');
    expect(graph.map((b) => b.content)).toStrictEqual([renderRoomsGraph()]);
  });

  it('its graph means what the table says: solid arrows reach exactly a room’s may list, dotted ones are the whole list', () => {
    const { solid, dotted } = graphEdges();
    for (const [room] of solid) expect([...reachable(room, solid)].sort(), room).toStrictEqual([...mayOf(room as Room)].sort());
    for (const [room, targets] of dotted) expect(targets, room).toStrictEqual([...mayOf(room as Room)]);
    expect([...solid.keys(), ...dotted.keys()].sort()).toStrictEqual(ROOM_NAMES.filter((r) => !OFF_GRAPH.includes(r)).sort());
    expect(mayOf('test')).toStrictEqual(ROOM_NAMES.filter((r) => r !== 'test' && r !== 'docs'));
    expect(mayOf('docs')).toStrictEqual([]);
  });

  it('lists the packages each room (or folder) may use, and where confined packages live', () => {
    const packages = labelledTable(DOC, 'packages').map(([where, names]) => [unquote(where!), unlist(names!).map((n) => n)] as const);
    expect(packages).toStrictEqual(Object.entries(PACKAGES).map(([where, names]) => [where.endsWith('/') ? where : `${where}/`, [...names]] as const));
    const homes = labelledTable(DOC, 'package-homes').map(([name, where]) => [unquote(name!), where!.split(', ').map(unquote)] as const);
    expect(homes).toStrictEqual(Object.entries(PACKAGE_HOMES).map(([name, where]) => [name, [...where]] as const));
  });
});

describe('the folder READMEs', () => {
  it.each(ROOM_NAMES)('%s/README.md quotes the room’s may list', (room) => {
    const file = `${room}/README.md`;
    expect(existsSync(new URL(`../../${file}`, import.meta.url)), `${file} is missing`).toBe(true);
    const line = readDoc(file).split('\n').find((l) => l.startsWith('**May import**'));
    expect(line, `${file} has no "**May import**" line`).toBeDefined();
    const quoted = [...line!.matchAll(/`([a-z]+)\/`/g)].map((m) => m[1]);
    expect(quoted, `${file}: ${line}`).toStrictEqual([...mayOf(room)]);
  });
});
