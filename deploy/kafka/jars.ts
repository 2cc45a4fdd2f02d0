// The Kafka broker's jars, fetched once by Maven from deploy/kafka/pom.xml into
// <data dir>/kafka/libs. A marker holding the pom's hash says the copy is complete and current.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StackError } from '../errors.ts';
import { findMaven } from './tools.ts';

export const KAFKA_POM = fileURLToPath(new URL('./pom.xml', import.meta.url));
const MARKER = '.palisade-complete';

export function kafkaLibsDir(dataDir: string): string {
  return join(dataDir, 'kafka', 'libs');
}

function pomHash(): string {
  return createHash('sha256').update(readFileSync(KAFKA_POM)).digest('hex');
}

/** True when the jars for the current pom are already in place. */
export function jarsPresent(dataDir: string): boolean {
  const marker = join(kafkaLibsDir(dataDir), MARKER);
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === pomHash();
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, output });
    });
  });
}

/**
 * Make sure <data dir>/kafka/libs holds the pinned Kafka jars; runs Maven only when the marker
 * is missing or the pom changed. Returns whether it fetched.
 */
export async function ensureKafkaJars(dataDir: string, timeoutMs = 300_000): Promise<{ fetched: boolean; libsDir: string }> {
  const libsDir = kafkaLibsDir(dataDir);
  if (jarsPresent(dataDir)) return { fetched: false, libsDir };
  const mvn = findMaven();
  const staging = `${libsDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const { code, output } = await run(
    mvn,
    [
      '-q',
      '-B',
      '-Dstyle.color=never',
      '-f',
      KAFKA_POM,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${staging}`,
      '-DincludeScope=runtime',
    ],
    timeoutMs,
  );
  const jars = code === 0 ? readdirSync(staging).filter((name) => name.endsWith('.jar')) : [];
  if (code !== 0 || !jars.some((name) => name.startsWith('kafka_2.13-'))) {
    rmSync(staging, { recursive: true, force: true });
    const detail = output.trim().split('\n').slice(-3).join(' | ');
    throw new StackError(
      'JARS_FETCH_FAILED',
      `mvn could not fetch the Kafka jars (exit ${code ?? 'timeout'}): ${detail || 'no output'}; ` +
        `check Maven Central is reachable, then run \`mvn -f ${KAFKA_POM} dependency:copy-dependencies\` to see the full error`,
      { retriable: true },
    );
  }
  writeFileSync(join(staging, MARKER), `${pomHash()}\n`);
  rmSync(libsDir, { recursive: true, force: true });
  renameSync(staging, libsDir);
  return { fetched: true, libsDir };
}
