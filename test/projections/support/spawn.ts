// Runs test/projections/support/child.ts as a separate process (so it can be SIGKILLed), with
// its JSON lines collected.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReadModelSpine } from './read-models.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export class Child {
  readonly process: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private output = '';

  constructor(kind: 'projector' | 'rebuild', rm: ReadModelSpine, env: Record<string, string> = {}) {
    this.process = spawn(process.execPath, ['test/projections/support/child.ts', kind], {
      cwd: ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: rm.spine.brokers.join(','), DATABASE_URL: rm.url, EVENTS_TOPIC: rm.topic,
        GROUP_ID: `${rm.spine.prefix}palisade-projector`, ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      const parts = this.output.split('\n');
      this.output = parts.pop() ?? '';
      for (const part of parts) {
        try {
          this.lines.push(JSON.parse(part) as Record<string, unknown>);
        } catch {
          this.lines.push({ text: part });
        }
      }
    };
    this.process.stdout!.on('data', collect);
    this.process.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => this.process.once('exit', (code, signal) => resolve({ code, signal })));
  }

  async waitFor(predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.some(predicate)) {
      if (Date.now() > deadline) throw new Error(`child never printed the expected line; got ${JSON.stringify(this.lines.slice(-10))}`);
      if (this.process.exitCode !== null || this.process.signalCode !== null) throw new Error(`child exited: ${JSON.stringify(this.lines.slice(-10))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    await this.exited;
  }
}
