// `npm run bench -- <name>`: runs test/bench/<name>.ts. Benchmarks print figures and the baseline
// they are compared with in the same run; they are never part of `npm test`.
import { readdirSync } from 'node:fs';

const available = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_')).map((f) => f.slice(0, -3));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [options]`);
  process.exit(2);
}
const bench = (await import(`./${name}.ts`)) as { main(args: string[]): Promise<void> };
await bench.main(process.argv.slice(3));
