// Checks an import graph against the rules table (rules.ts). Pure: takes the edges, returns
// every violation with the file, the line and the import at fault.
import type { ImportEdge } from './import-graph.ts';
import { KNOWN_VIOLATIONS, PACKAGE_HOMES, PACKAGES, ROOMS, STANDALONE, type Room } from './rules.ts';

export interface ArchitectureViolation {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly message: string;
}

export function roomOf(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

const isRoom = (name: string): name is Room => Object.hasOwn(ROOMS, name);

function allowedPackages(file: string): readonly string[] {
  let best: string | undefined;
  for (const key of Object.keys(PACKAGES)) {
    const matches = key.includes('/') ? file.startsWith(key) : roomOf(file) === key;
    if (matches && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? [] : PACKAGES[best]!;
}

function packageAllowed(allowed: readonly string[], name: string): boolean {
  return allowed.some((a) => a === '*' || a === name || (a === 'node:*' && name.startsWith('node:')));
}

/** `file -> specifier`, the form KNOWN_VIOLATIONS lists. */
export const violationKey = (v: { file: string; specifier: string }): string => `${v.file} -> ${v.specifier}`;

/** Every edge that breaks the room table, a package rule or the standalone closure. */
export function checkEdges(edges: readonly ImportEdge[]): ArchitectureViolation[] {
  const found: ArchitectureViolation[] = [];
  const report = (edge: ImportEdge, message: string) => found.push({ file: edge.file, line: edge.line, specifier: edge.specifier, message });
  for (const edge of edges) {
    const from = roomOf(edge.file);
    if (from === '') continue; // root files (vitest.config.ts) configure tools
    if (!isRoom(from)) {
      report(edge, `${from}/ is not a room of the house (test/architecture/rules.ts)`);
      continue;
    }
    if (edge.kind === 'file') {
      const to = roomOf(edge.target);
      if (to === from) continue;
      if (edge.target.startsWith('..')) report(edge, 'imports from outside the repository');
      else if (!isRoom(to)) {
        if (from !== 'test') report(edge, `${to || edge.target} is not a room`);
      } else if (!(ROOMS[from].may as readonly string[]).includes(to)) {
        report(edge, `${from}/ may not import ${to}/ (${from}/ may import: ${ROOMS[from].may.join(', ') || 'nothing'})`);
      }
      continue;
    }
    const homes = PACKAGE_HOMES[edge.target];
    if (homes !== undefined && from !== 'test' && !homes.some((home) => edge.file === home || edge.file.startsWith(home))) {
      report(edge, `${edge.target} is imported only by ${homes.join(', ')}${edge.typeOnly ? ' (types included)' : ''}`);
    } else if (!packageAllowed(allowedPackages(edge.file), edge.target)) {
      report(edge, `${from}/ may not use the package ${edge.target}${edge.typeOnly ? ' (types included)' : ''}`);
    }
  }
  return found;
}

/** Run-time closure of the standalone entry points: no network, broker or database code. */
export function checkStandalone(edges: readonly ImportEdge[]): ArchitectureViolation[] {
  const byFile = new Map<string, ImportEdge[]>();
  for (const edge of edges) byFile.set(edge.file, [...(byFile.get(edge.file) ?? []), edge]);
  const found: ArchitectureViolation[] = [];
  for (const entry of STANDALONE.entries) {
    const seen = new Set<string>();
    const path = new Map<string, string>([[entry, entry]]);
    const queue = [entry];
    while (queue.length > 0) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const edge of byFile.get(file) ?? []) {
        if (edge.typeOnly) continue;
        const via = `${path.get(file)} > ${edge.kind === 'file' ? edge.target : edge.target}`;
        if (edge.kind === 'package' && STANDALONE.packages.includes(edge.target)) {
          found.push({ file: edge.file, line: edge.line, specifier: edge.specifier, message: `standalone verifier reaches ${edge.target} (${via})` });
        } else if (edge.kind === 'file') {
          if (STANDALONE.folders.some((folder) => edge.target.startsWith(folder))) {
            found.push({ file: edge.file, line: edge.line, specifier: edge.specifier, message: `standalone verifier reaches ${edge.target} (${via})` });
          }
          if (!path.has(edge.target)) path.set(edge.target, via);
          queue.push(edge.target);
        }
      }
    }
  }
  return found;
}

/** Cycles between rooms in the actual imports (tests excluded), as `a -> b -> a`. */
export function roomCycles(edges: readonly ImportEdge[], known: ReadonlySet<string> = new Set(KNOWN_VIOLATIONS)): string[] {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (edge.kind !== 'file' || known.has(violationKey(edge))) continue;
    const from = roomOf(edge.file);
    const to = roomOf(edge.target);
    if (from === to || from === 'test' || from === '' || to === '') continue;
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(to);
  }
  return cyclesOf(graph);
}

/** Cycles in a directed graph, each reported once, from its smallest node. */
export function cyclesOf(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const cycles = new Set<string>();
  const walk = (start: string, node: string, trail: string[]) => {
    for (const next of graph.get(node) ?? []) {
      if (next === start) cycles.add([...trail, start].join(' -> '));
      else if (!trail.includes(next) && next > start) walk(start, next, [...trail, next]);
    }
  };
  for (const start of [...graph.keys()].sort()) walk(start, start, [start]);
  return [...cycles];
}

/** The room table's own arrows, which must form no cycle. */
export function ruleCycles(): string[] {
  return cyclesOf(new Map(Object.entries(ROOMS).map(([room, { may }]) => [room, new Set<string>(may)])));
}

/** All violations, minus the known ones; and the known ones that no longer occur. */
export function checkArchitecture(edges: readonly ImportEdge[]): { violations: ArchitectureViolation[]; stale: string[] } {
  const all = [...checkEdges(edges), ...checkStandalone(edges)];
  const known = new Set(KNOWN_VIOLATIONS);
  const occurring = new Set(all.map(violationKey));
  return {
    violations: all.filter((v) => !known.has(violationKey(v))),
    stale: KNOWN_VIOLATIONS.filter((k) => !occurring.has(k)),
  };
}
