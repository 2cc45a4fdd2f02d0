// Java and Maven: found on PATH (or JAVA_HOME), version-checked, with an install hint.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { StackError } from '../errors.ts';

const JAVA_HINT = 'Java 17+ is required to run the local Kafka broker: apt-get install openjdk-17-jre-headless';
const MAVEN_HINT = 'Maven is required once to fetch the Kafka jars: apt-get install maven';

let cachedJava: string | undefined;
let cachedVersion = '';

/** The java executable (JAVA_HOME/bin/java or `java` on PATH), checked to be Java 17 or later. */
export function findJava(): string {
  if (cachedJava !== undefined) return cachedJava;
  const javaHome = process.env['JAVA_HOME'];
  const java = javaHome !== undefined && javaHome.length > 0 ? join(javaHome, 'bin', 'java') : 'java';
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error !== undefined) throw new StackError('MISSING_TOOL', `${JAVA_HINT} (could not run ${java}: ${probe.error.message})`);
  // `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or "1.8.0_392") on stderr.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
  const major = match === null ? 0 : Number(match[1] === '1' ? match[2] : match[1]);
  if (major < 17) throw new StackError('MISSING_TOOL', `${JAVA_HINT} (found ${java} reporting version ${major || 'unknown'})`);
  cachedJava = java;
  cachedVersion = `${probe.stderr}${probe.stdout}`.trim();
  return java;
}

/** The full `java -version` text of findJava()'s java (identifies a JVM build, e.g. for CDS archives). */
export function javaVersionText(): string {
  findJava();
  return cachedVersion;
}

/** The mvn executable on PATH. */
export function findMaven(): string {
  const probe = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) throw new StackError('MISSING_TOOL', MAVEN_HINT);
  return 'mvn';
}
