// The environment variables are documented once, in the README's table, and that table is the
// truth: every variable the code reads is in it, nothing else is, and no other doc repeats it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readDoc } from './markdown.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const gitFiles = (...patterns: string[]) =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...patterns], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => f.length > 0);

const VARIABLE = /['"`]((?:PALISADE|BENCH|AWS)_[A-Z0-9_]+|KAFKA_BROKERS|DATABASE_URL|JAVA_HOME)['"`]/g;
// Set by test/bench/verify.ts for the child process it starts itself; nobody sets it by hand.
const INTERNAL = new Set(['PALISADE_BENCH_PHASE']);

/** Variables named as string literals in the code a user runs (tests only where they read one: the support and the benches). */
function variablesInCode(): string[] {
  const files = gitFiles('*.ts', '*.js').filter((f) => !f.startsWith('test/') || f.startsWith('test/support/') || f.startsWith('test/bench/'));
  const found = new Set<string>();
  for (const file of files) for (const match of readFileSync(`${ROOT}${file}`, 'utf8').matchAll(VARIABLE)) found.add(match[1]!);
  return [...found].filter((v) => !INTERNAL.has(v)).sort();
}

/** The variables in the first column of the README's "Environment variables" table. */
function variablesInTable(): string[] {
  const readme = readDoc('README.md');
  const section = readme.slice(readme.indexOf('## Environment variables'), readme.indexOf('\n## ', readme.indexOf('## Environment variables') + 1));
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!)).sort();
}

describe('the environment table of README.md', () => {
  it('lists exactly the variables the code reads', () => {
    const table = variablesInTable();
    expect(table.length).toBeGreaterThan(20);
    expect(table).toStrictEqual(variablesInCode());
  });

  it('is the only table of variables in the docs', () => {
    const repeated = gitFiles('*.md')
      .filter((file) => file !== 'README.md')
      .filter((file) => readFileSync(`${ROOT}${file}`, 'utf8').split('\n').some((line) => /^\|\s*`((?:PALISADE|BENCH)_[A-Z0-9_]+|KAFKA_BROKERS|DATABASE_URL)`/.test(line)));
    expect(repeated).toStrictEqual([]);
  });
});
