// The purity lint (deploy/lint/check-purity.ts). Fixtures are strings, which the lint itself
// ignores, so this file does not trip `npm run lint`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDomainFile, checkPoolFile, checkTestFile } from '../../deploy/lint/check-purity.ts';
import { maskSource } from '../../deploy/lint/source-mask.ts';

const FILE = 'domain/tenant/example.ts';
const linesFlagged = (source: string) => checkDomainFile(FILE, source).map((v) => v.line);
const isFlagged = (source: string) => checkDomainFile(FILE, source).length > 0;

describe('check-purity: domain files', () => {
  describe('when a file uses a forbidden global', () => {
    it.each([
      'const now = Date.now();',
      'const at = new Date();',
      'const r = Math.random();',
      'const r = Math . random();',
      'const id = crypto.randomUUID();',
      'const env = process.env.X;',
      'setTimeout(run, 10);',
      'setInterval(run, 10);',
      'console.log(state);',
      'const g = globalThis;',
      'const t = performance.now();',
      'const s = `at ${Date.now()}`;',
      'const d = Date();',
      'const at = new Date ( );',
      "const m = await import('./x.ts');",
      'const fs = require(name);',
      'const s = `a ${`b ${console.log(1)}`}`;',
    ])('flags %j', (source) => {
      expect(isFlagged(source)).toBe(true);
    });
  });

  describe('when the words appear only in prose or literals', () => {
    it.each([
      '// the processor sets Date and uses crypto, never domain/',
      '/* process.env, console.log(), Math.random() */',
      "const message = 'Date is not allowed; neither is process';",
      'const message = "console";',
      'const s = `Date ${name} console`;',
      'const pattern = /Date|process|[/]console/u;',
      'const ratio = a / b / c; const d = 1;',
      'type DateRange = { processor: string; updatedAt: string };',
      'const value = event.process + record.console;',
      'const ms = Date.parse(value);',
      'const at = new Date(ms).toISOString();',
    ])('accepts %j', (source) => {
      expect(checkDomainFile(FILE, source)).toStrictEqual([]);
    });
  });

  describe('when reporting', () => {
    it('names the file and the line of each violation', () => {
      const source = ["import { x } from './x.ts';", '', '// Date in a comment', 'const a = Date.now();', 'const r = Math.random();'].join('\n');
      expect(checkDomainFile(FILE, source)).toMatchObject([
        { file: FILE, line: 4, message: expect.stringContaining('Date') },
        { file: FILE, line: 5, message: expect.stringContaining('Math.random') },
      ]);
    });
    it('keeps line numbers right after multi-line comments and templates', () => {
      expect(linesFlagged('/*\n\n*/\nconst s = `\n${1}\n`;\nconsole.log(s);')).toStrictEqual([7]);
    });
  });
});

describe('check-purity: test files', () => {
  const flagged = (source: string) => checkTestFile('test/x.unit.test.ts', source).map((v) => v.message);
  it.each([
    "it.only('x', () => {});",
    "describe.skip('x', () => {});",
    "test.only.each([1])('x', () => {});",
    "it\n  .skip('x', () => {});",
    'ctx.skip();',
  ])('flags %j', (source) => {
    expect(flagged(source)).toHaveLength(1);
  });
  it.each([
    "it('x', () => {});",
    "it.skipIf(slow)('x', () => {});",
    "// it.only('x')",
    "const s = 'it.only(';",
    'const onlyOnce = skip;',
  ])('accepts %j', (source) => {
    expect(flagged(source)).toStrictEqual([]);
  });
});

describe('check-purity: PostgreSQL pools', () => {
  it.each(['const p = new pg.Pool({ max: 1 });', 'const p = new Pool(config);', 'x = new pg\n  .Pool()'])('flags %j outside adapters/postgres/pool.ts', (source) => {
    expect(checkPoolFile('cli/x.ts', source)).toHaveLength(1);
  });
  it.each(['const p = openPool({ max: 1 });', '// new pg.Pool(', "const s = 'new Pool(';", 'let p: pg.Pool;', 'new WorkerPool(2)'])('accepts %j', (source) => {
    expect(checkPoolFile('cli/x.ts', source)).toStrictEqual([]);
  });
  it('allows the one module that opens pools', () => {
    expect(checkPoolFile(join('adapters', 'postgres', 'pool.ts'), 'new pg.Pool(config)')).toStrictEqual([]);
  });
});

describe('maskSource', () => {
  it('keeps the length and every newline of the source', () => {
    const source = "a // c\n'x\\'y' /* d\n */ `t${ {b: 1}.b }u`; r = /re[/]x/g";
    const { withoutComments, codeOnly } = maskSource(source);
    expect(withoutComments).toHaveLength(source.length);
    expect(codeOnly).toHaveLength(source.length);
    expect(codeOnly.split('\n')).toHaveLength(3);
    expect(codeOnly).toContain('{b: 1}.b');
    expect(codeOnly).not.toMatch(/[cdtuxy]|re/);
  });
});

describe('check-purity as a command', () => {
  const script = fileURLToPath(new URL('../../deploy/lint/check-purity.ts', import.meta.url));
  const root = mkdtempSync(join(tmpdir(), 'purity-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  const run = () => {
    try {
      return { code: 0, output: execFileSync(process.execPath, [script, root], { encoding: 'utf8', stdio: 'pipe' }) };
    } catch (error) {
      const failed = error as { status: number; stderr: string };
      return { code: failed.status, output: failed.stderr };
    }
  };

  it('exits 0 on a clean tree, then 1 listing file:line for each violation', () => {
    write('domain/a.ts', "import { b } from './b.ts';\nexport const a = b;\n");
    write('domain/b.ts', 'export const b = 1;\n');
    write('test/a.unit.test.ts', "it('a', () => {});\n");
    expect(run().code).toBe(0);
    write('domain/nested/c.ts', "export const c = 1;\nexport const now = () => Date.now();\n");
    write('test/a.unit.test.ts', "it('a', () => {});\nit.only('b', () => {});\n");
    write('cli/pools.ts', "import pg from 'pg';\nexport const p = new pg.Pool();\n");
    const { code, output } = run();
    expect(code).toBe(1);
    expect(output).toContain(join('domain', 'nested', 'c.ts') + ':2: Date');
    expect(output).toContain(join('test', 'a.unit.test.ts') + ':2: .only');
    expect(output).toContain(join('cli', 'pools.ts') + ':2: new pg.Pool');
  });
});

describe('domain/ today', () => {
  it('is pure', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const files = readdirSync(join(root, 'domain'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const violations = files.flatMap((f) => checkDomainFile(join('domain', f), readFileSync(join(root, 'domain', f), 'utf8')));
    expect(violations).toStrictEqual([]);
  });
});
