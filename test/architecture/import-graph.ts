// Every import of every source file, read with a real parser (@babel/parser with its TypeScript
// plugin): static imports and re-exports (type-only ones included), dynamic import(),
// createRequire(…)('pkg'), and worker entry points (`new Worker(new URL('./x.ts', import.meta.url))`).
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { parse } from '@babel/parser';

export interface ImportEdge {
  /** Repository-relative path of the importing file. */
  readonly file: string;
  readonly line: number;
  /** As written in the source. */
  readonly specifier: string;
  /** Repository-relative target for a relative import; the package name (or `node:x`) otherwise. */
  readonly target: string;
  readonly kind: 'file' | 'package';
  /** Erased at run time (`import type`, `export type`, or every named binding marked `type`). */
  readonly typeOnly: boolean;
}

type Node = { type: string; loc?: { start: { line: number } } | null; [key: string]: unknown };

function packageName(specifier: string): string {
  if (specifier.startsWith('node:')) return specifier;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function stringArg(node: unknown): string | undefined {
  const n = node as Node | undefined;
  if (n?.type === 'StringLiteral') return n.value as string;
  if (n?.type === 'TemplateLiteral' && (n.expressions as unknown[]).length === 0) return ((n.quasis as Node[])[0]!.value as { cooked: string }).cooked;
  return undefined;
}

function isTypeOnlyDeclaration(node: Node): boolean {
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specifiers = (node.specifiers as Node[] | undefined) ?? [];
  return specifiers.length > 0 && specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type');
}

/** The imports of one file, given its repository-relative path and source text. */
export function importsOf(file: string, source: string): ImportEdge[] {
  const ast = parse(source, { sourceType: 'module', plugins: ['typescript'], errorRecovery: false });
  const edges: ImportEdge[] = [];
  const add = (specifier: string, node: Node, typeOnly: boolean) => {
    const relativeSpec = specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..';
    edges.push({
      file,
      line: node.loc?.start.line ?? 0,
      specifier,
      target: relativeSpec ? normalize(join(dirname(file), specifier)) : packageName(specifier),
      kind: relativeSpec ? 'file' : 'package',
      typeOnly,
    });
  };
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    const n = node as Node;
    if (typeof n.type !== 'string') return;
    if ((n.type === 'ImportDeclaration' || n.type === 'ExportNamedDeclaration' || n.type === 'ExportAllDeclaration') && n.source) {
      add((n.source as Node).value as string, n, isTypeOnlyDeclaration(n));
    } else if (n.type === 'TSImportType') {
      const spec = stringArg((n.argument as Node).type === 'TSLiteralType' ? (n.argument as Node).literal : n.argument);
      if (spec !== undefined) add(spec, n, true);
    } else if (n.type === 'CallExpression') {
      const callee = n.callee as Node;
      const args = n.arguments as unknown[];
      if (callee.type === 'Import') {
        const spec = stringArg(args[0]);
        if (spec !== undefined) add(spec, n, false);
      } else if (callee.type === 'CallExpression' && (callee.callee as Node).type === 'Identifier' && (callee.callee as Node).name === 'createRequire') {
        const spec = stringArg(args[0]);
        if (spec !== undefined) add(spec, n, false);
      }
    } else if (n.type === 'NewExpression' && (n.callee as Node).type === 'Identifier' && (n.callee as Node).name === 'Worker') {
      const url = (n.arguments as Node[])[0];
      if (url?.type === 'NewExpression' && (url.callee as Node).type === 'Identifier' && (url.callee as Node).name === 'URL') {
        const spec = stringArg((url.arguments as unknown[])[0]);
        if (spec !== undefined) add(spec, n, false);
      }
    }
    for (const key of Object.keys(n)) {
      if (key === 'loc' || key === 'start' || key === 'end' || key === 'extra' || key === 'leadingComments' || key === 'trailingComments') continue;
      visit(n[key]);
    }
  };
  visit(ast.program);
  return edges;
}

/** The imports of many files read from `root`. */
export function importGraph(root: string, files: readonly string[]): ImportEdge[] {
  return files.flatMap((file) => importsOf(file, readFileSync(join(root, file), 'utf8')));
}
