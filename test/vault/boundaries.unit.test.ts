// vault/README.md: what vault/ may import, and that it does no I/O. Checked on the source with
// the purity lint's own lexer, so comments and string contents never count.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maskSource } from '../../deploy/lint/source-mask.ts';
import * as vault from '../../vault/index.ts';

const VAULT = new URL('../../vault/', import.meta.url);
const files = readdirSync(VAULT).filter((name) => name.endsWith('.ts')).sort();
const source = (name: string) => readFileSync(new URL(name, VAULT), 'utf8');
const IMPORT = /(?<![\w$.])(?:import|export)(?:\s[^;'"`]*?\sfrom|)\s*(['"])([^'"]*)\1/g;

const ALLOWED = new Set([
  '../crypto/secure-memory.ts',
  '../crypto/sodium.ts',
  '../chain/jcs.ts',
  '../chain/well-formed.ts',
]);

describe('vault/ boundaries', () => {
  it('has the files the README lists', () => {
    expect(files).toEqual([
      'binding.ts', 'encoding.ts', 'errors.ts', 'index.ts', 'intake.ts', 'key-wrap.ts', 'legacy.ts', 'mask.ts',
      'sealed-value.ts',
    ]);
  });

  for (const name of files) {
    it(`${name} imports only what the README allows`, () => {
      const { withoutComments } = maskSource(source(name));
      for (const match of withoutComments.matchAll(IMPORT)) {
        const specifier = match[2]!;
        const ok =
          (specifier.startsWith('./') && !specifier.includes('/', 2)) ||
          ALLOWED.has(specifier) ||
          (specifier === 'node:crypto' && name === 'legacy.ts');
        expect(ok, `${name} imports ${specifier}`).toBe(true);
      }
    });

    it(`${name} does no I/O and reads no environment`, () => {
      const { codeOnly } = maskSource(source(name));
      expect(codeOnly).not.toMatch(/(?<![\w$.])(process|console|fetch|globalThis|setTimeout|setInterval)(?![\w$])/);
    });
  }

  it('exports its documented entry points', () => {
    for (const name of [
      'seal', 'open', 'parseSealedValue', 'sealedValueAad', 'loadKek', 'kekFromHex', 'generateKek', 'generateDek',
      'wrapDek', 'unwrapDek', 'withDek', 'rewrap', 'generateIntakeKeyPair', 'sealToIntake', 'openIntake',
      'isLegacyValue', 'decryptLegacy', 'maskSecret', 'VaultError',
    ]) expect(typeof (vault as Record<string, unknown>)[name], name).toBe('function');
  });
});
