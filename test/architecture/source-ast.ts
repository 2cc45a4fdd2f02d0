// The repository's source as syntax trees, read with the parser the architecture test uses
// (@babel/parser with its TypeScript plugin), for tests that check a rule on every file: who
// reads the environment, what every error class extends.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@babel/parser';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type AstNode = { type: string; loc?: { start: { line: number } } | null; [key: string]: unknown };

/** The .ts and .js files git tracks or would track (repository-relative), fixtures of the architecture test left out. */
export function sourceFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.js'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.length > 0 && statSync(join(ROOT, f), { throwIfNoEntry: false }) !== undefined && !f.startsWith('test/architecture/fixtures/'));
}

export function readSource(file: string): string {
  return readFileSync(join(ROOT, file), 'utf8');
}

export function parseSource(source: string): AstNode {
  return parse(source, { sourceType: 'module', plugins: ['typescript'] }).program as unknown as AstNode;
}

const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ClassMethod', 'ObjectMethod']);
const SKIPPED_KEYS = new Set(['loc', 'start', 'end', 'extra', 'leadingComments', 'trailingComments', 'innerComments']);

function boundNames(pattern: AstNode): string[] {
  if (pattern.type === 'Identifier') return [pattern.name as string];
  if (pattern.type === 'AssignmentPattern') return boundNames(pattern.left as AstNode);
  if (pattern.type === 'RestElement') return boundNames(pattern.argument as AstNode);
  if (pattern.type === 'ObjectPattern') return (pattern.properties as AstNode[]).flatMap((p) => boundNames((p.type === 'RestElement' ? p : p.value) as AstNode));
  if (pattern.type === 'ArrayPattern') return (pattern.elements as (AstNode | null)[]).flatMap((e) => (e === null ? [] : boundNames(e)));
  return [];
}

/**
 * Calls `visit` on every node, depth first, with the names of the parameters of the functions
 * around it (so a check can tell a name handed in by the caller from one fixed in the code).
 */
export function walk(node: unknown, visit: (node: AstNode, params: ReadonlySet<string>) => void, params: ReadonlySet<string> = new Set()): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit, params);
    return;
  }
  const n = node as AstNode;
  if (typeof n.type !== 'string') return;
  visit(n, params);
  const inner = FUNCTIONS.has(n.type) ? new Set([...params, ...(n.params as AstNode[]).flatMap(boundNames)]) : params;
  for (const key of Object.keys(n)) if (!SKIPPED_KEYS.has(key)) walk(n[key], visit, inner);
}

/** The value of a string literal (or a template literal without expressions), else undefined. */
export function stringValue(node: unknown): string | undefined {
  const n = node as AstNode | undefined;
  if (n?.type === 'StringLiteral') return n.value as string;
  if (n?.type === 'TemplateLiteral' && (n.expressions as unknown[]).length === 0) return ((n.quasis as AstNode[])[0]!.value as { cooked: string }).cooked;
  return undefined;
}
