// The README's TypeScript is what an upstream service copies, so it must compile against the
// real producers/ modules: every ```ts block of README.md, in order, becomes one module (later
// blocks use what earlier ones declared), its imports pointed at the repository, type-checked by
// the project's own tsc and tsconfig. A renamed export, a wrong option or argument fails here.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fencedBlocks, readDoc } from './markdown.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Git-ignored (.gitignore); removed after the check.
const GENERATED = fileURLToPath(new URL('./.generated/', import.meta.url));
const TSC = `${ROOT}node_modules/.bin/tsc`;

/** The README's blocks as one module under test/docs/.generated/: `./x` imports become `../../../x`. */
function snippetModule(markdown: string): string {
  const blocks = fencedBlocks(markdown).filter((b) => b.info[0] === 'ts');
  return blocks
    .map((b) => `// README.md line ${b.line}\n${b.content.replace(/(from\s+')\.\/(?!\.)/g, '$1../../../')}`)
    .join('\n\n');
}

function typeCheck(source: string): { ok: true } | { ok: false; output: string } {
  mkdirSync(GENERATED, { recursive: true });
  try {
    writeFileSync(`${GENERATED}readme-snippet.ts`, `${source}\n`);
    writeFileSync(`${GENERATED}tsconfig.json`, JSON.stringify({ extends: '../../../tsconfig.json', include: ['readme-snippet.ts'] }));
    execFileSync(TSC, ['--noEmit', '-p', `${GENERATED}tsconfig.json`], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    return { ok: true };
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout ?? ''}${stderr ?? ''}` || String(error) };
  } finally {
    rmSync(GENERATED, { recursive: true, force: true });
  }
}

describe('README.md', () => {
  const module = snippetModule(readDoc('README.md'));

  it('shows the client publishing a command through producers/client.ts', () => {
    expect(module).toContain("from '../../../producers/client.ts'");
    expect(module).toContain('PalisadeClient.connect(');
    expect(module).toContain('client.send(');
  });

  it('has TypeScript that compiles against the real modules', () => {
    const result = typeCheck(module);
    expect(result.ok ? '' : result.output).toBe('');
  }, 120_000);

  it('the check fails on a wrong name or argument', () => {
    const wrongOption = typeCheck(module.replace('producerKeyId:', 'producerKey:'));
    expect(wrongOption.ok).toBe(false);
    const wrongName = typeCheck(module.replace('PalisadeClient.connect(', 'PalisadeClient.open('));
    expect(wrongName.ok).toBe(false);
  }, 240_000);
});
