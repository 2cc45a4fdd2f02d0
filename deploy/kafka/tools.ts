// Java and Maven: found on PATH (or in JAVA_HOME, which the stack options carry), version-checked,
// with an install hint.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { StackError } from '../errors.ts';

const JAVA_HINT = 'Java 17+ is required to run the local Kafka broker: apt-get install openjdk-17-jre-headless';
const MAVEN_HINT = 'Maven is required once to fetch the Kafka jars: apt-get install maven';

/** `java -version` text of each java executable that passed the check. */
const checked = new Map<string, string>();

/**
 * The full `java -version` text of `java` (identifies a JVM build, e.g. for CDS archives), once
 * it is checked to run and be Java 17 or later.
 */
export function javaVersionText(java: string): string {
  const known = checked.get(java);
  if (known !== undefined) return known;
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error !== undefined) throw new StackError('MISSING_TOOL', `${JAVA_HINT} (could not run ${java}: ${probe.error.message})`);
  // `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or "1.8.0_392") on stderr.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
  const major = match === null ? 0 : Number(match[1] === '1' ? match[2] : match[1]);
  if (major < 17) throw new StackError('MISSING_TOOL', `${JAVA_HINT} (found ${java} reporting version ${major || 'unknown'})`);
  const version = `${probe.stderr}${probe.stdout}`.trim();
  checked.set(java, version);
  return version;
}

/** The java executable (`<javaHome>/bin/java`, else `java` on PATH), checked to be Java 17 or later. */
export function findJava(javaHome: string | undefined): string {
  const java = javaHome !== undefined && javaHome.length > 0 ? join(javaHome, 'bin', 'java') : 'java';
  javaVersionText(java);
  return java;
}

/** The mvn executable on PATH. */
export function findMaven(): string {
  const probe = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) throw new StackError('MISSING_TOOL', MAVEN_HINT);
  return 'mvn';
}
