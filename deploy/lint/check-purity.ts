// Purity lint (`npm run lint`). domain/ must stay a pure function of its inputs: no I/O, no
// clock, no randomness (which packages and folders it may import is the architecture test's
// job: test/architecture/rules.ts). Test files must not be
// focused or skipped, or CI would quietly run less than it claims. PostgreSQL pools are opened
// only through adapters/postgres/pool.ts, which gives each one an error listener.
// Usage: node deploy/lint/check-purity.ts [repository root]
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { maskSource } from './source-mask.ts';

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

// Globals that reach the clock, randomness, the process, timers or I/O.
const FORBIDDEN_GLOBALS: ReadonlyMap<string, string> = new Map([
  ['crypto', 'randomness/crypto belong outside domain/; take ids as arguments'],
  ['process', 'the environment belongs outside domain/'],
  ['setTimeout', 'timers belong outside domain/'],
  ['setInterval', 'timers belong outside domain/'],
  ['setImmediate', 'timers belong outside domain/'],
  ['console', 'I/O belongs outside domain/; return data instead'],
  ['performance', 'reads the clock'],
  ['fetch', 'I/O belongs outside domain/'],
  ['require', 'imports must be static relative imports'],
  ['globalThis', 'reaches any global; name what you need as an argument'],
]);
const GLOBAL_PATTERN = new RegExp(`(?<![\\w$.])(${[...FORBIDDEN_GLOBALS.keys()].join('|')})(?![\\w$])`, 'g');
// Date.now(), new Date() and Date() read the clock; Date.parse and new Date(x) do not.
const CLOCK = /(?<![\w$.])(?:Date\s*\.\s*now(?![\w$])|new\s+Date\s*\(\s*\)|(?<!new\s+)Date\s*\()/g;
const MATH_RANDOM = /(?<![\w$.])Math\s*\.\s*random(?![\w$])/g;
const DYNAMIC_IMPORT = /(?<![\w$.])import\s*\(/g;
const FOCUS_OR_SKIP = /\.\s*(only|skip)\s*[(.]/g;

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

/** Violations of domain purity in one file. `file` is relative to the repository root. */
export function checkDomainFile(file: string, source: string): Violation[] {
  const { withoutComments, codeOnly } = maskSource(source);
  const found: Violation[] = [];
  const report = (index: number, message: string) => found.push({ file, line: lineAt(source, index), message });
  for (const match of codeOnly.matchAll(DYNAMIC_IMPORT)) report(match.index, 'dynamic import(): use a static relative import');
  for (const match of codeOnly.matchAll(GLOBAL_PATTERN)) {
    report(match.index, `${match[1]}: ${FORBIDDEN_GLOBALS.get(match[1]!)}`);
  }
  for (const match of codeOnly.matchAll(CLOCK)) report(match.index, 'Date: reads the clock; take time as an argument');
  for (const match of codeOnly.matchAll(MATH_RANDOM)) report(match.index, 'Math.random: take randomness as an argument');
  return found.sort((a, b) => a.line - b.line);
}

const POOL_HOME = join('adapters', 'postgres', 'pool.ts');
const NEW_POOL = /(?<![\w$])new\s+(?:pg\s*\.\s*)?Pool\s*\(/g;

/** `new pg.Pool(` outside adapters/postgres/pool.ts: a pool without an error listener. */
export function checkPoolFile(file: string, source: string): Violation[] {
  if (file === POOL_HOME) return [];
  const { codeOnly } = maskSource(source);
  return [...codeOnly.matchAll(NEW_POOL)].map((match) => ({
    file,
    line: lineAt(source, match.index),
    message: 'new pg.Pool: use openPool() from adapters/postgres/pool.ts (an idle connection error must not crash the process)',
  }));
}

/** Focused or skipped tests in one test file. */
export function checkTestFile(file: string, source: string): Violation[] {
  const { codeOnly } = maskSource(source);
  return [...codeOnly.matchAll(FOCUS_OR_SKIP)].map((match) => ({
    file,
    line: lineAt(source, match.index),
    message: `.${match[1]}: no focused or skipped tests`,
  }));
}

function listFiles(root: string, directory: string, accept: (name: string) => boolean): string[] {
  let entries;
  try {
    entries = readdirSync(join(root, directory), { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile() && accept(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .filter((path) => !path.split(sep).includes('node_modules'))
    .sort();
}

export function checkRepository(root: string): { violations: Violation[]; domainFiles: number; testFiles: number } {
  const domainFiles = listFiles(root, 'domain', (name) => name.endsWith('.ts'));
  const testFiles = listFiles(root, 'test', (name) => /\.(test|spec)\.ts$/.test(name));
  const sourceFiles = listFiles(root, '.', (name) => name.endsWith('.ts'));
  const read = (file: string) => readFileSync(join(root, file), 'utf8');
  const violations = [
    ...domainFiles.flatMap((file) => checkDomainFile(file, read(file))),
    ...testFiles.flatMap((file) => checkTestFile(file, read(file))),
    ...sourceFiles.flatMap((file) => checkPoolFile(file, read(file))),
  ];
  return { violations, domainFiles: domainFiles.length, testFiles: testFiles.length };
}

function main(): void {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL('../../', import.meta.url)));
  const { violations, domainFiles, testFiles } = checkRepository(root);
  for (const { file, line, message } of violations) console.error(`${file}:${line}: ${message}`);
  if (violations.length > 0) {
    console.error(`check-purity: ${violations.length} violation(s)`);
    process.exitCode = 1;
    return;
  }
  console.log(`check-purity: ${domainFiles} domain files and ${testFiles} test files are clean`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
