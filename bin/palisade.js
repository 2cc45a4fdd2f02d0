#!/usr/bin/env node
// Thin launcher: Palisade runs on Node 22 LTS (TypeScript type stripping, unflagged since 22.18).
// When started by an older system node, re-exec with the node@22 binary from the project's
// node_modules so `./bin/palisade.js` and `npx palisade` behave like `npm start`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  const local = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
  if (!existsSync(local)) {
    console.error(`palisade needs Node >= 22.18 (found ${process.version}); run \`npm ci\` first, which installs node@22.`);
    process.exit(2);
  }
  const r = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
await import('../cli/main.ts');
