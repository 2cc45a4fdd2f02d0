// crypto/vault/README.md: crypto/vault/ does no I/O and reads no environment. Checked on the source
// with the purity lint's own lexer, so comments and string contents never count. What it may
// import is the architecture test's rule (test/architecture/rules.ts, 'crypto/vault/').
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maskSource } from '../../deploy/lint/source-mask.ts';
import * as vault from '../../crypto/vault/index.ts';

const VAULT = new URL('../../crypto/vault/', import.meta.url);
const files = readdirSync(VAULT).filter((name) => name.endsWith('.ts')).sort();
const source = (name: string) => readFileSync(new URL(name, VAULT), 'utf8');

describe('vault/ boundaries', () => {
  it('has the files the README lists', () => {
    expect(files).toEqual([
      'binding.ts', 'encoding.ts', 'errors.ts', 'index.ts', 'intake.ts', 'key-wrap.ts', 'legacy.ts', 'mask.ts',
      'sealed-value.ts',
    ]);
  });

  for (const name of files) {
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
