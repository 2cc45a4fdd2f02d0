// `palisade stack up` makes the vault's local development master key once (0600, in the data
// folder), says so, and leaves it alone afterwards; with PALISADE_MASTER_KEY(_FILE) set it makes
// none. The services then find it through deploy/config/master-key.ts, on the local stack only.
import { readFileSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { devMasterKeyFile, loadMasterKey } from '../../deploy/config/master-key.ts';
import { stackUp, type StackProgress } from '../../deploy/stack.ts';
import { destroyKek, type Kek } from '../../crypto/vault/index.ts';
import { testConfig } from '../support/stack.ts';

const withoutKeyVariables = (): Record<string, string | undefined> => {
  const env = { ...process.env };
  delete env['PALISADE_MASTER_KEY'];
  delete env['PALISADE_MASTER_KEY_FILE'];
  return env;
};
const keks: Kek[] = [];
afterAll(() => keks.forEach(destroyKek));

describe('stack up and the development master key', () => {
  it('creates it once (0600) and reuses it on the next up, saying which', async () => {
    const env = withoutKeyVariables();
    const lines: StackProgress[] = [];
    const first = await stackUp({ env, onProgress: (p) => void lines.push(p) });
    const file = devMasterKeyFile(first.dataDir);
    expect(first.masterKey).toMatchObject({ keyFile: file, fromEnvironment: null });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const content = readFileSync(file, 'utf8');
    expect(content).toMatch(/^[0-9a-f]{64}\n$/);
    const said = lines.find((p) => p.step === 'master-key' && p.phase === 'end')?.detail ?? '';
    expect(said).toMatch(first.masterKey.created ? /^created a local development key in .*master\.key \(0600/ : /^using .*master\.key$/);
    expect(said).not.toContain(content.trim());

    const second = await stackUp({ env });
    expect(second.masterKey).toEqual({ keyFile: file, created: false, fromEnvironment: null });
    expect(readFileSync(file, 'utf8')).toBe(content);

    // The stack's services and commands load it without any variable.
    const config = testConfig();
    const kek = loadMasterKey({ dataDir: config.dataDir, databaseUrl: config.databaseUrl }, env);
    keks.push(kek);
    expect(kek.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('makes none when the environment names the master key', async () => {
    const result = await stackUp({ env: { ...withoutKeyVariables(), PALISADE_MASTER_KEY: 'ab'.repeat(32) } });
    expect(result.masterKey).toEqual({ keyFile: null, created: false, fromEnvironment: 'PALISADE_MASTER_KEY' });
  });
});
