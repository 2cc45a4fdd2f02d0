// `npm run bench -- verify [--events N] [--fresh]`
// Standalone verification rate (events/s on ONE core: that part runs pinned to CPU 0 with
// taskset) of `palisade-verify` over an N-event bundle (default 1,000,000; generated once and
// kept in .palisade/bench/), and, in the same pinned run, the ceiling: raw SHA-256 (libsodium)
// over the same canonical bytes, with nothing else. Prints both, their ratio, what that means
// for the aim of 10 million events in 60 s, and the rate of `--jobs` (all cores) for reference.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../deploy/config/config.ts';
import { GENESIS_HASH, canonicalEventText, eventHash } from '../../domain/chain/event-hash.ts';
import { sha256 } from '../../domain/chain/sha256.ts';
import { generateSigningKeyPair } from '../../crypto/ed25519.ts';
import { verifierKeyString } from '../../crypto/note.ts';
import { exportLine } from '../../audit/export-tenant.ts';
import { writeBundleEvidence } from '../../audit/bundle/write-bundle.ts';
import { BUNDLE_FILES } from '../../audit/bundle/format.ts';
import { forEachLine } from '../../audit/bundle/lines.ts';
import { readManifest, verifyBundle } from '../../audit/bundle/verify-bundle.ts';
import type { AnchorRecord, CheckpointRecord } from '../../domain/merkle/anchor-records.ts';
import { buildAnchor } from '../../projections/anchors/build-anchor.ts';
import { TenantTree } from '../../projections/anchors/tenant-tree.ts';
import { anchorFileName } from '../../adapters/storage/anchor-store.ts';
import type { LogicalEvent } from '../../domain/logical.ts';
import { printComparison } from './_support.ts';

const TENANT = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
const NEIGHBOUR = '0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f6';
const ORIGIN = 'palisade.bench/anchors';
const CHECKPOINTS = 4;
const AIM_EVENTS = 10_000_000;
const AIM_SECONDS = 60;

export async function main(args: string[]): Promise<void> {
  const events = numberArg(args, '--events', 1_000_000);
  const dir = join(loadConfig().dataDir, 'bench', `verify-${events}`);
  if (process.env['PALISADE_BENCH_PHASE'] === 'one-core') {
    console.log(JSON.stringify(await oneCore(dir)));
    return;
  }
  if (args.includes('--fresh')) rmSync(dir, { recursive: true, force: true });
  if (!existsSync(join(dir, BUNDLE_FILES.manifest))) {
    const started = Date.now();
    process.stdout.write(`generating a ${events}-event bundle in ${dir} (once) … `);
    generateBundle(dir, events);
    console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const manifest = readManifest(dir);
  console.log(`bundle: ${manifest.events} events, ${manifest.checkpoints} checkpoints; node ${process.version}`);

  const single = oneCoreInChild(args);
  const jobs = availableParallelism();
  const t0 = process.hrtime.bigint();
  const parallel = await verifyBundle(dir, { jobs });
  const parallelSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!parallel.ok) throw new Error(`the benchmark bundle does not verify: ${JSON.stringify(parallel.failure)}`);

  const verifyRate = single.events / single.verifySeconds;
  const hashRate = single.events / single.hashSeconds;
  const parallelRate = parallel.events / parallelSeconds;
  printComparison(`standalone verification vs raw SHA-256 over the same canonical bytes (${single.pinned ? 'one core, taskset -c 0' : 'NOT pinned: taskset missing'})`, [
    ['', 'events/s', 'seconds'],
    ['palisade-verify --jobs 1 (chain + tree + checkpoints)', fmt(verifyRate), single.verifySeconds.toFixed(2)],
    ['raw SHA-256 of each event\'s JCS bytes (ceiling)', fmt(hashRate), single.hashSeconds.toFixed(2)],
    ['ratio (verify / ceiling)', `${((verifyRate / hashRate) * 100).toFixed(1)} %`, ''],
    [`palisade-verify --jobs ${jobs} (all ${jobs} cores, for reference)`, fmt(parallelRate), parallelSeconds.toFixed(2)],
  ]);
  console.log(`  canonical bytes: ${(single.bytes / single.events).toFixed(0)} B/event on average, ${(single.bytes / 1e6 / single.hashSeconds).toFixed(0)} MB/s hashed by libsodium`);
  console.log(`  ${AIM_EVENTS.toLocaleString('en')} events: ${(AIM_EVENTS / verifyRate).toFixed(0)} s on one core, ${(AIM_EVENTS / parallelRate).toFixed(0)} s with --jobs ${jobs}; the SHA-256 alone takes ${(AIM_EVENTS / hashRate).toFixed(0)} s on one core (aim: ${AIM_SECONDS} s, i.e. ${fmt(AIM_EVENTS / AIM_SECONDS)} events/s)`);
}

interface OneCoreFigures {
  readonly pinned: boolean;
  readonly events: number;
  readonly verifySeconds: number;
  readonly hashSeconds: number;
  readonly bytes: number;
}

/** The one-core figures, measured in a child process pinned to CPU 0 (unpinned when taskset is missing). */
function oneCoreInChild(args: string[]): OneCoreFigures {
  const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const command = [process.execPath, ...process.argv.slice(1, 3), ...args];
  const run = pinned ? spawnSync('taskset', ['-c', '0', ...command], childOptions()) : spawnSync(command[0]!, command.slice(1), childOptions());
  if (run.status !== 0) throw new Error(`the one-core run failed: ${run.stderr}`);
  return { ...(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Omit<OneCoreFigures, 'pinned'>), pinned };
}

function childOptions() {
  return { encoding: 'utf8' as const, env: { ...process.env, PALISADE_BENCH_PHASE: 'one-core' }, maxBuffer: 1 << 20 };
}

async function oneCore(dir: string): Promise<Omit<OneCoreFigures, 'pinned'>> {
  const t0 = process.hrtime.bigint();
  const result = await verifyBundle(dir, { jobs: 1 });
  const verifySeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!result.ok) throw new Error(`the benchmark bundle does not verify: ${JSON.stringify(result.failure)}`);
  const canonical = await canonicalBytes(dir);
  const t1 = process.hrtime.bigint();
  for (const bytes of canonical.texts) sha256(bytes);
  const hashSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
  return { events: result.events, verifySeconds, hashSeconds, bytes: canonical.bytes };
}

/** A bundle of one tenant's `count` events, checkpointed CHECKPOINTS times, signed with a fresh key. */
function generateBundle(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  const { publicKey, secretKey } = generateSigningKeyPair();
  const tree = TenantTree.empty(TENANT);
  const neighbour = TenantTree.empty(NEIGHBOUR);
  const checkpoints: CheckpointRecord[] = [];
  const anchors = new Map<number, AnchorRecord>();
  const fd = openSync(join(dir, BUNDLE_FILES.events), 'w');
  let pending: string[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const event = benchEvent(seq, prevHash);
    const hash = eventHash(event);
    pending.push(`${exportLine(event, hash)}\n`);
    if (pending.length === 10_000) {
      writeSync(fd, pending.join(''));
      pending = [];
    }
    tree.push(event, hash);
    prevHash = hash;
    if (seq % Math.ceil(count / CHECKPOINTS) === 0 || seq === count) {
      const seqOfAnchor = anchors.size + 1;
      if (neighbour.size === 0) for (const e of neighbourEvents()) neighbour.push(e.event, e.hash);
      const draft = buildAnchor(seqOfAnchor, [tree, neighbour], { origin: ORIGIN, secretKey })!;
      const mine = draft.checkpoints.find((c) => c.tenantId === TENANT)!;
      const hex = (b: Buffer) => b.toString('hex');
      checkpoints.push({ tenantId: TENANT, size: mine.size, root: hex(mine.root), anchorSeq: seqOfAnchor, leafIndex: mine.leafIndex, inclusion: mine.inclusion.map(hex), previousSize: mine.previousSize, consistency: mine.consistency.map(hex) });
      anchors.set(seqOfAnchor, { seq: seqOfAnchor, note: draft.note, storage: { kind: 'fs', location: '/bench', key: anchorFileName(seqOfAnchor), versionId: null, sha256: hex(sha256(Buffer.from(draft.note))) } });
      tree.markCheckpointed(seqOfAnchor);
      neighbour.markCheckpointed(seqOfAnchor);
    }
  }
  writeSync(fd, pending.join(''));
  closeSync(fd);
  writeBundleEvidence(dir, TENANT, { events: count, head: { seq: count, hash: prevHash } }, {
    checkpoints, anchors, verifierKeys: [verifierKeyString(ORIGIN, publicKey)], origin: ORIGIN,
  });
}

/** Realistic event sizes: a member added with an email, like most of a tenant's history. */
function benchEvent(seq: number, prevHash: string): LogicalEvent {
  const n = seq.toString(16).padStart(12, '0');
  return {
    tenantId: TENANT, seq, prevHash, eventId: `e0000000-0000-4000-8000-${n}`,
    type: seq === 1 ? 'TenantCreated' : 'MemberAdded', schemaVersion: 1,
    occurredAt: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
    actor: { kind: 'user', id: 'owner-1' }, commandId: `c0000000-0000-4000-8000-${n}`,
    payload: seq === 1 ? { name: 'Bench tenant', owner: { userId: 'owner-1', email: 'owner-1@example.com' } } : { userId: `user-${seq}`, email: `user-${seq}@example.com`, role: 'member' },
  };
}

function neighbourEvents(): { event: LogicalEvent; hash: string }[] {
  const event: LogicalEvent = { ...benchEvent(1, GENESIS_HASH), tenantId: NEIGHBOUR, eventId: 'e1000000-0000-4000-8000-000000000001' };
  return [{ event, hash: eventHash(event) }];
}

/** The exact bytes the chain hashes (RFC 8785 text of each event), prepared outside the timing. */
async function canonicalBytes(dir: string): Promise<{ texts: Buffer[]; bytes: number }> {
  const texts: Buffer[] = [];
  let bytes = 0;
  await forEachLine(join(dir, BUNDLE_FILES.events), (line) => {
    const text = Buffer.from(canonicalEventText(JSON.parse(line) as LogicalEvent), 'utf8');
    texts.push(text);
    bytes += text.length;
  });
  return { texts, bytes };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en');
}

function numberArg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}
