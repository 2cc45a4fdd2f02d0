// vitest globalSetup of the `int` project: bring the local stack up (idempotent: a running
// stack is reused as it is) and, at teardown, stop only the parts this setup started.
// PALISADE_KEEP_STACK=1 keeps them running, to iterate on tests without restarting Kafka.
import { stackDown, stackUp } from '../../deploy/stack.ts';
import type { StackPart } from '../../deploy/stack.ts';
import { dropOrphanedRoles } from '../../adapters/postgres/roles.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const result = await stackUp({
    onProgress: (progress) => {
      if (progress.phase === 'end' && progress.step !== 'database')
        process.stderr.write(`[stack] ${progress.step}: ${progress.detail}\n`);
    },
  });
  // Tenancy roles of test databases that crashed runs left behind (roles are cluster-wide).
  await dropOrphanedRoles(result.postgres.url);
  const started: readonly StackPart[] = result.started;
  return async () => {
    if (started.length === 0 || process.env['PALISADE_KEEP_STACK'] === '1') return;
    const down = await stackDown({ dataDir: result.dataDir, parts: started });
    process.stderr.write(`[stack] stopped ${down.stopped.map((s) => `${s.part} (pid ${s.pid})`).join(', ')}\n`);
  };
}
