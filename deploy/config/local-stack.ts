// The local stack as the configuration sees it: development keys (the master key, the chat
// worker's producer key) are used only when `palisade stack up` recorded a stack in the data
// folder and the database the caller will use is on that stack's server.
import { readStackState, type StackState } from '../state.ts';

/** What `stack up` recorded in `dataDir`; undefined when nothing is, or stack.json is corrupt. */
export function recordedLocalStack(dataDir: string): StackState | undefined {
  try {
    return readStackState(dataDir);
  } catch {
    return undefined; // a corrupt stack.json is no local stack
  }
}

/** Whether `databaseUrl` is on the recorded stack's PostgreSQL server (same host and port). */
export function onLocalStackServer(stack: StackState | undefined, databaseUrl: string): boolean {
  if (stack?.postgres === undefined) return false;
  try {
    const x = new URL(stack.postgres.url);
    const y = new URL(databaseUrl);
    return x.hostname === y.hostname && (x.port || '5432') === (y.port || '5432');
  } catch {
    return false;
  }
}
