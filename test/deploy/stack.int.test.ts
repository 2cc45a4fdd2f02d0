import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../deploy/config/env.ts';
import { readStackState } from '../../deploy/state.ts';
import { stackUp } from '../../deploy/stack.ts';
import { stackStatus } from '../../deploy/status.ts';
import { testConfig } from '../support/stack.ts';

const emptyDataDir = mkdtempSync(join(tmpdir(), 'palisade-empty-'));
afterAll(() => {
  rmSync(emptyDataDir, { recursive: true, force: true });
});

/** Run the stack commands through commander, as the CLI does (independent of cli/main.ts). */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const script = `
    import { Command } from 'commander';
    import { registerStackCommands } from './cli/stack-commands.ts';
    const program = new Command().name('palisade');
    registerStackCommands(program);
    await program.parseAsync(['node', 'palisade', ...${JSON.stringify(args)}]);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('stack up', () => {
  it('is idempotent: a second up reuses the running broker and server and changes nothing', async () => {
    const before = await stackStatus();
    const result = await stackUp();
    expect(result.started).toEqual([]);
    expect(result.kafka.reused).toBe(true);
    expect(result.kafka.pid).toBe(before.parts.find((p) => p.part === 'kafka')?.pid);
    if (result.postgres.mode === 'embedded') {
      expect(result.postgres.reused).toBe(true);
      expect(result.postgres.pid).toBe(before.parts.find((p) => p.part === 'postgres')?.pid);
    }
    expect(result.topics.created).toEqual([]);
    expect(result.topics.existing).toHaveLength(5);
    expect(result.migrations.applied).toEqual([]);
    expect(result.database.created).toBe(false);
  });

  it('records brokers, database and pids in stack.json, which loadConfig reads', () => {
    const config = testConfig();
    const state = readStackState(config.dataDir);
    expect(state?.kafka?.brokers).toEqual(config.brokers);
    expect(state?.postgres?.url).toBe(config.databaseUrl);
  });

  it('prints JSON with --json and exits 0', () => {
    const run = cli('stack', 'up', '--json');
    expect(run.status, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as { started: string[]; kafka: { brokers: string[] } };
    expect(parsed.started).toEqual([]);
    expect(parsed.kafka.brokers).toEqual(testConfig().brokers);
  });

  it('exits non-zero with a one-line error naming the variable when the config is invalid', () => {
    const script = `
      import { Command } from 'commander';
      import { registerStackCommands } from './cli/stack-commands.ts';
      const program = new Command().name('palisade');
      registerStackCommands(program);
      await program.parseAsync(['node', 'palisade', 'stack', 'up']);`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, PALISADE_PARTITIONS: 'many' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('PALISADE_PARTITIONS');
  });
});

describe('stack status', () => {
  it('reports each part running, with its pid and address', async () => {
    const status = await stackStatus();
    expect(status.recorded).toBe(true);
    const kafka = status.parts.find((p) => p.part === 'kafka');
    expect(kafka).toMatchObject({ mode: 'local', state: 'running', address: testConfig().brokers.join(',') });
    expect(kafka?.pid).toBeGreaterThan(1);
    const postgres = status.parts.find((p) => p.part === 'postgres');
    expect(postgres?.state).toBe('running');
    expect(postgres?.address).not.toContain(':palisade@'); // password redacted
  });

  it('reports stopped parts for a data dir where nothing runs', async () => {
    const status = await stackStatus({ dataDir: emptyDataDir });
    expect(status.recorded).toBe(false);
    expect(status.parts.map((p) => [p.part, p.state, p.pid])).toEqual([
      ['kafka', 'stopped', null],
      ['postgres', 'stopped', null],
    ]);
  });

  it('prints text and --json', () => {
    const text = cli('stack', 'status');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^kafka\s+running\s+pid \d+/m);
    expect(text.stdout).toMatch(/^postgres\s+running/m);
    const json = cli('stack', 'status', '--json');
    const parsed = JSON.parse(json.stdout) as { parts: Array<{ part: string; state: string }> };
    expect(parsed.parts.map((p) => p.state)).toEqual(['running', 'running']);
  });
});
