#!/usr/bin/env node
// Thin launcher of the standalone bundle verifier (cli/palisade-verify.ts). Like
// bin/palisade.js, re-execs with the project's node@22 when started by an older system node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  const local = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
  if (!existsSync(local)) {
    console.error(`palisade-verify needs Node >= 22.18 (found ${process.version}); run \`npm ci\` first, which installs node@22.`);
    process.exit(2);
  }
  const r = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 2);
}
await import('../cli/palisade-verify.ts');
