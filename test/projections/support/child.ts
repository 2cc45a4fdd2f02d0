// A projector or a rebuild in a child process, so a test can SIGKILL it in the middle of a
// batch transaction. Configured by environment; KILL_AFTER_BATCHES=n makes the process kill
// itself (SIGKILL) inside the n-th batch that wrote rows, after the writes and before COMMIT.
//   node test/projections/support/child.ts projector|rebuild
import { Projector } from '../../../projections/projector.ts';
import { PROJECTOR_DEFAULTS } from '../../../projections/options.ts';
import { rebuild } from '../../../projections/rebuild.ts';
import type { ApplyHooks } from '../../../projections/apply/apply-batch.ts';
import { loadConfig } from '../../../deploy/config/config.ts';
import { kafkaEndpoint } from '../../../deploy/config/kafka.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const killAfter = Number(process.env['KILL_AFTER_BATCHES'] ?? '0');
let batches = 0;
const hooks: ApplyHooks = {
  beforeCommit: ({ events }) => {
    if (events === 0 || killAfter === 0) return;
    batches += 1;
    say({ batch: batches, events });
    if (batches >= killAfter) {
      say({ killing: true });
      process.kill(process.pid, 'SIGKILL');
    }
  },
};
const log = { info: (o: object, m: string) => say({ ...o, msg: m }), warn: (o: object, m: string) => say({ ...o, msg: m }), error: (o: object, m: string) => say({ ...o, msg: m }) };
const common = { kafka: kafkaEndpoint(loadConfig(), 'projector'), databaseUrl: env('DATABASE_URL'), topic: env('EVENTS_TOPIC') };

if (process.argv[2] === 'projector') {
  const projector = new Projector({ ...PROJECTOR_DEFAULTS, ...common, groupId: env('GROUP_ID'), sessionTimeoutMs: 10_000, hooks }, log);
  await projector.start();
  say({ started: true });
  process.on('SIGTERM', () => void projector.stop().then(() => process.exit(0)));
} else if (process.argv[2] === 'rebuild') {
  const models = process.env['MODELS']?.split(',').filter((m) => m.length > 0);
  const result = await rebuild({ ...common, ...(models ? { models } : {}), hooks, log, maxBytesPerPartition: 65_536 });
  say({ result });
  process.exit(0);
} else {
  throw new Error('usage: child.ts projector|rebuild');
}
