// The environment, documented once and read in one place. deploy/config/ is the one reader of
// process.env (the bin/ launchers and tests excepted): every other file gets typed options. The
// README's table of environment variables is the truth: it lists exactly the variables the code
// names and deploy/config reads (its rows for tests and benchmarks, only variables tests read),
// and no other doc repeats it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type AstNode, parseSource, readSource, ROOT, sourceFiles, stringValue, walk } from '../architecture/source-ast.ts';
import { readDoc } from './markdown.ts';

const THIS_FILE = 'test/docs/environment-table.unit.test.ts';
const MAY_READ_THE_ENVIRONMENT = ['deploy/config/', 'bin/', 'test/'];

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

/** README.md's environment table: the variables of each row, and the rows for tests and benchmarks only. */
function readmeTable(): { all: string[]; variables: string[]; testOnly: string[] } {
  const readme = readDoc('README.md');
  const section = readme.slice(readme.indexOf('\n## Environment variables\n')).split(/\n## /)[1] ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('|') && !/^\|\s*(variable\s*\||-)/.test(line));
  const variables: string[] = [];
  const testOnly: string[] = [];
  for (const row of rows) {
    const [names = '', , what = ''] = row.split('|').slice(1).map((cell) => cell.trim());
    const inRow = [...names.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!);
    (/^(tests|benchmarks):/.test(what) ? testOnly : variables).push(...inRow);
  }
  return { all: [...variables, ...testOnly].sort(), variables: variables.sort(), testOnly };
}

/** Lines where `source` reaches process.env, in any of the ways JavaScript allows. */
function environmentReads(source: string): number[] {
  const lines: number[] = [];
  const isProcess = (node: AstNode): boolean =>
    (node.type === 'Identifier' && node.name === 'process') ||
    (node.type === 'MemberExpression' && (node.object as AstNode).type === 'Identifier' && ((node.object as AstNode).name === 'globalThis') && isProcess(node.property as AstNode));
  const isEnvKey = (node: AstNode, computed: boolean) => (computed ? stringValue(node) === 'env' : node.type === 'Identifier' && node.name === 'env');
  walk(parseSource(source), (node) => {
    const line = node.loc?.start.line ?? 0;
    if ((node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') && isProcess(node.object as AstNode) && isEnvKey(node.property as AstNode, node.computed === true)) lines.push(line);
    if (node.type === 'VariableDeclarator' && (node.id as AstNode).type === 'ObjectPattern' && node.init !== null && isProcess(node.init as AstNode)) {
      if (((node.id as AstNode).properties as AstNode[]).some((p) => p.type === 'ObjectProperty' && isEnvKey(p.key as AstNode, p.computed === true))) lines.push(line);
    }
    if (node.type === 'ImportDeclaration' && ['node:process', 'process'].includes(stringValue(node.source) ?? '')) lines.push(line); // its default, namespace or `env`
  });
  return lines;
}

/**
 * The variables deploy/config reads: the names given to its readers (`envValue(env, NAME)`,
 * `parseIntegerVariable(env, NAME, …)`, `parsePort(env, NAME, …)`) and the keys of `env[NAME]`,
 * as string literals or constants. A name handed in by the caller (a parameter) is read where
 * that caller names it; one the scan cannot tell is reported, so no read goes unseen.
 */
async function variablesTheConfigurationReads(): Promise<{ names: string[]; unknown: string[] }> {
  const names = new Set<string>();
  const unknown: string[] = [];
  for (const file of sourceFiles().filter((f) => f.startsWith('deploy/config/'))) {
    const program = parseSource(readSource(file));
    const exported = (await import(`${ROOT}${file}`)) as Record<string, unknown>;
    const constants = new Map<string, string>();
    walk(program, (node) => {
      if (node.type === 'VariableDeclarator' && (node.id as AstNode).type === 'Identifier' && stringValue(node.init) !== undefined)
        constants.set((node.id as AstNode).name as string, stringValue(node.init)!);
    });
    const record = (key: AstNode, params: ReadonlySet<string>) => {
      const name = stringValue(key) ?? (key.type === 'Identifier' ? (constants.get(key.name as string) ?? exported[key.name as string]) : undefined);
      if (typeof name === 'string') names.add(name);
      else if (!(key.type === 'Identifier' && params.has(key.name as string))) unknown.push(`${file}:${key.loc?.start.line}`);
    };
    walk(program, (node, params) => {
      const isEnv = (n: unknown) => (n as AstNode | undefined)?.type === 'Identifier' && (n as AstNode).name === 'env';
      if (node.type === 'CallExpression' && (node.callee as AstNode).type === 'Identifier' && ['envValue', 'parseIntegerVariable', 'parsePort'].includes((node.callee as AstNode).name as string)) {
        const [first, second] = node.arguments as AstNode[];
        if (isEnv(first) && second !== undefined) record(second, params);
      }
      if ((node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') && isEnv(node.object)) {
        const key = node.property as AstNode;
        if (node.computed === true) record(key, params);
        else names.add(key.name as string);
      }
    });
  }
  return { names: [...names].sort(), unknown };
}

describe('the environment', () => {
  it('is read only by deploy/config (and bin/, tests)', () => {
    const readers = sourceFiles()
      .filter((file) => !MAY_READ_THE_ENVIRONMENT.some((allowed) => file.startsWith(allowed)))
      .flatMap((file) => environmentReads(readSource(file)).map((line) => `${file}:${line}`));
    expect(readers).toStrictEqual([]);
  });

  it('every read of process.env is found, however it is written', () => {
    expect(environmentReads("const a = process.env.X;\nconst b = process.env['Y'];\nconst c = process?.env;")).toStrictEqual([1, 2, 3]);
    expect(environmentReads('const { env } = process;\nconst e = globalThis.process.env;')).toStrictEqual([1, 2]);
    expect(environmentReads("import { env } from 'node:process';")).toStrictEqual([1]);
    expect(environmentReads('const env = options.env;\nconst p = processing.env;\nprocess.exit(1);')).toStrictEqual([]);
  });
});

describe('the environment table of README.md', () => {
  it('lists exactly the variables the code reads', () => {
    const table = readmeTable().all;
    expect(table.length).toBeGreaterThan(20);
    expect(table).toStrictEqual(variablesInCode());
  });

  it('every variable deploy/config reads is in the table, and every variable there is read', async () => {
    const read = await variablesTheConfigurationReads();
    expect(read.unknown, 'reads whose variable the scan cannot tell: name it with a string or a constant').toStrictEqual([]);
    expect(read.names).toContain('PALISADE_MASTER_KEY'); // read through a constant of crypto/vault
    expect(read.names).toContain('PALISADE_CHAT_WORKER_KEY_FILE'); // through a constant of its own
    expect(readmeTable().variables).toStrictEqual(read.names);
  });

  it('its rows for tests and benchmarks name variables only tests read', async () => {
    const { testOnly } = readmeTable();
    expect(testOnly.length).toBeGreaterThan(0);
    const read = await variablesTheConfigurationReads();
    const testSources = sourceFiles().filter((f) => f.startsWith('test/') && f !== THIS_FILE).map(readSource).join('\n');
    for (const name of testOnly) {
      expect(read.names).not.toContain(name);
      expect(testSources, `${name} is read by no test`).toContain(`'${name}'`);
    }
  });

  it('is the only table of variables in the docs', () => {
    const repeated = gitFiles('*.md')
      .filter((file) => file !== 'README.md')
      .filter((file) => readFileSync(`${ROOT}${file}`, 'utf8').split('\n').some((line) => /^\|\s*`((?:PALISADE|BENCH)_[A-Z0-9_]+|KAFKA_BROKERS|DATABASE_URL)`/.test(line)));
    expect(repeated).toStrictEqual([]);
  });
});
