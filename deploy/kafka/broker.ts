// The local Kafka: one combined broker+controller in KRaft mode on 127.0.0.1, started detached
// (it outlives the CLI), recorded by pid in <data dir>/kafka/broker.pid, stopped by that pid.
//   <data dir>/kafka/libs        jars (deploy/kafka/jars.ts)
//   <data dir>/kafka/data        log.dirs (formatted once with a random cluster id)
//   <data dir>/kafka/logs        server.log (log4j) and stdout.log (JVM output)
//   <data dir>/kafka/credentials one password per role (deploy/kafka/credentials.ts)
// Nobody is anonymous: clients log in with SASL SCRAM-SHA-512 on the client listener, the
// broker with SASL PLAIN on the controller listener (KRaft cannot use SCRAM there: the SCRAM
// credentials live in the metadata the controller serves), and the KRaft ACL authorizer denies
// what no ACL allows. The admin principal is the only super user.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { withAdmin } from '../../adapters/kafka/topics.ts';
import type { KafkaEndpoint } from '../../adapters/kafka/client.ts';
import { KAFKA_ROLES, localKafkaUser } from '../../adapters/kafka/principals.ts';
import { ensureKafkaPasswords, kafkaPasswordsExist, localAdminEndpoint } from './credentials.ts';
import { StackError, oneLine } from '../errors.ts';
import { isPortFree, spawnDetached, tailOf, terminate, verifiedPid } from '../process.ts';
import { ensureKafkaJars, kafkaLibsDir, KAFKA_POM } from './jars.ts';
import { findJava, javaVersionText } from './tools.ts';

const LOG4J_CONFIG = fileURLToPath(new URL('./log4j.properties', import.meta.url));

export interface BrokerOptions {
  readonly dataDir: string;
  /** PLAINTEXT listener port on 127.0.0.1. */
  readonly port: number;
  /** CONTROLLER listener port; port + 1 by default. */
  readonly controllerPort?: number;
  /** JVM heap (-Xmx) in MiB; 512 by default. */
  readonly heapMb?: number;
  /** How long to wait for the broker to answer; 60 s by default. */
  readonly readyTimeoutMs?: number;
  /** Extra JVM flags, placed before the defaults' classpath. */
  readonly jvmArgs?: readonly string[];
  /** JAVA_HOME: its bin/java runs the broker; `java` on PATH when unset. */
  readonly javaHome?: string | undefined;
}

export interface BrokerInfo {
  readonly pid: number;
  readonly port: number;
  readonly controllerPort: number;
  readonly brokers: readonly string[];
  /** The log4j log (server.log); JVM output goes to stdout.log beside it. */
  readonly logFile: string;
  /** True when a broker was already running and was left as it was. */
  readonly reused: boolean;
  /** The client listener's SASL mechanism. */
  readonly saslMechanism: 'scram-sha-512';
  /** The broker as the admin principal reaches it (topics, ACLs). */
  readonly admin: KafkaEndpoint;
}

/** The SCRAM mechanism of the client listener (kafkajs speaks it). */
const CLIENT_MECHANISM = 'SCRAM-SHA-512';

export interface BrokerPaths {
  readonly root: string;
  readonly libs: string;
  readonly data: string;
  readonly logs: string;
  readonly serverLog: string;
  readonly stdoutLog: string;
  readonly properties: string;
  readonly clusterIdFile: string;
  readonly pidFile: string;
}

export function brokerPaths(dataDir: string): BrokerPaths {
  const root = join(dataDir, 'kafka');
  const logs = join(root, 'logs');
  return {
    root,
    libs: kafkaLibsDir(dataDir),
    data: join(root, 'data'),
    logs,
    serverLog: join(logs, 'server.log'),
    stdoutLog: join(logs, 'stdout.log'),
    properties: join(root, 'server.properties'),
    clusterIdFile: join(root, 'cluster.id'),
    pidFile: join(root, 'broker.pid'),
  };
}

/** A JAAS option value: the passwords are base64url, quoted anyway. */
function jaasQuoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * server.properties of the single-node KRaft broker+controller (pure; unit-tested). It holds the
 * admin's password (the broker's own logins), so it is written 0600.
 */
export function brokerProperties(options: { logDir: string; port: number; controllerPort: number; adminPassword: string; partitions?: number }): string {
  const admin = localKafkaUser('admin');
  const password = jaasQuoted(options.adminPassword);
  const settings: Array<[string, string | number]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    ['controller.quorum.voters', `1@127.0.0.1:${options.controllerPort}`],
    ['listeners', `SASL_PLAINTEXT://127.0.0.1:${options.port},CONTROLLER://127.0.0.1:${options.controllerPort}`],
    ['advertised.listeners', `SASL_PLAINTEXT://127.0.0.1:${options.port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'SASL_PLAINTEXT'],
    ['listener.security.protocol.map', 'SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT'],
    // Clients: SCRAM only (the users are created when the storage is formatted).
    ['listener.name.sasl_plaintext.sasl.enabled.mechanisms', CLIENT_MECHANISM],
    ['sasl.mechanism.inter.broker.protocol', CLIENT_MECHANISM],
    [
      `listener.name.sasl_plaintext.${CLIENT_MECHANISM.toLowerCase()}.sasl.jaas.config`,
      `org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin}" password=${password};`,
    ],
    // Broker to controller: PLAIN with the one static user, the admin.
    ['listener.name.controller.sasl.enabled.mechanisms', 'PLAIN'],
    ['sasl.mechanism.controller.protocol', 'PLAIN'],
    [
      'listener.name.controller.plain.sasl.jaas.config',
      `org.apache.kafka.common.security.plain.PlainLoginModule required username="${admin}" password=${password} user_${admin}=${password};`,
    ],
    ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
    ['allow.everyone.if.no.acl.found', 'false'],
    // The admin only: every other principal has the ACLs of its job (adapters/kafka/acls.ts).
    ['super.users', `User:${admin}`],
    ['log.dirs', options.logDir],
    ['num.partitions', options.partitions ?? 6],
    ['auto.create.topics.enable', 'false'],
    ['offsets.topic.replication.factor', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['min.insync.replicas', 1],
    ['group.initial.rebalance.delay.ms', 0],
    // Fewer internal partitions than the default 50: a fresh broker creates them on the
    // first consumer group / transaction, and tests start from fresh brokers.
    ['offsets.topic.num.partitions', 10],
    ['transaction.state.log.num.partitions', 10],
  ];
  const lines = settings.map(([key, value]) => `${key}=${String(value).replace(/\\/g, '\\\\')}`);
  return `# Generated by deploy/kafka/broker.ts on every start; edit that file instead.\n${lines.join('\n')}\n`;
}

/** A Kafka cluster id: 16 random bytes, base64url without padding (22 chars), not starting with '-'. */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of this data dir's running broker, or undefined (checked by pid AND command line). */
export function brokerPid(dataDir: string): number | undefined {
  const paths = brokerPaths(dataDir);
  return verifiedPid(readPid(paths.pidFile), ['kafka.Kafka', paths.properties]);
}

export function isBrokerRunning(options: { dataDir: string }): boolean {
  return brokerPid(options.dataDir) !== undefined;
}

/** The client listener's port in the generated server.properties (what a running broker uses). */
function configuredPort(paths: BrokerPaths): number | undefined {
  try {
    const match = /^advertised\.listeners=SASL_PLAINTEXT:\/\/127\.0\.0\.1:(\d+)$/m.exec(readFileSync(paths.properties, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/**
 * Class-data sharing: the first broker run dumps the classes it loaded into an archive when it
 * exits (-XX:ArchiveClassesAtExit, JDK 13+); later runs map it, which roughly halves start-up
 * (3.6 s -> 2.0 s here), so broker restarts in fault tests stay fast. The archive is named after
 * the JVM build and the pom, so new jars or a new JDK start a new one; the JVM ignores an
 * archive it cannot use (-Xshare:auto).
 */
function classDataSharingArgs(paths: BrokerPaths, java: string): string[] {
  const key = createHash('sha256').update(javaVersionText(java)).update(readFileSync(KAFKA_POM)).digest('hex').slice(0, 12);
  const name = `kafka-cds-${key}.jsa`;
  for (const file of readdirSync(paths.root))
    if (file.startsWith('kafka-cds-') && file !== name) rmSync(join(paths.root, file), { force: true });
  const archive = join(paths.root, name);
  return existsSync(archive) ? [`-XX:SharedArchiveFile=${archive}`] : [`-XX:ArchiveClassesAtExit=${archive}`];
}

/** Format the storage once, with every role's SCRAM login (KIP-900: `format --add-scram`). */
function formatStorage(java: string, paths: BrokerPaths, passwords: ReadonlyMap<string, string>): void {
  if (existsSync(join(paths.data, 'meta.properties'))) return;
  const clusterId = existsSync(paths.clusterIdFile) ? readFileSync(paths.clusterIdFile, 'utf8').trim() : randomClusterId();
  writeFileSync(paths.clusterIdFile, `${clusterId}\n`);
  const args = [
    '-cp',
    join(paths.libs, '*'),
    `-Dlog4j.configuration=file:${LOG4J_CONFIG}`,
    `-Dkafka.logs.dir=${paths.logs}`,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    paths.properties,
    ...KAFKA_ROLES.flatMap((role) => ['--add-scram', `${CLIENT_MECHANISM}=[name=${localKafkaUser(role)},password=${passwords.get(role) ?? ''}]`]),
  ];
  const result = spawnSync(java, args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0)
    throw new StackError(
      'START_FAILED',
      `formatting Kafka storage in ${paths.data} failed (exit ${result.status ?? 'timeout'}): ${oneLine(result.stderr || result.stdout)}`,
    );
}

/**
 * Wait until the broker at `brokers` answers describeCluster. `alive` is checked between probes
 * so a broker that died fails fast; `logFile` goes in the error.
 */
export async function waitForBroker(
  endpoint: KafkaEndpoint,
  options: { timeoutMs: number; alive?: () => boolean; logFile?: string; stdoutLog?: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const see = options.logFile === undefined ? '' : `; see ${options.logFile}`;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (options.alive !== undefined && !options.alive()) {
      // A JVM that dies before log4j starts (bad flags, no memory) only writes to stdout.log.
      const jvm = options.stdoutLog === undefined ? '' : tailOf(options.stdoutLog, 3);
      const tail = jvm || (options.logFile === undefined ? '' : tailOf(options.logFile, 3));
      const where = jvm ? `; see ${options.stdoutLog}` : see;
      throw new StackError('START_FAILED', `the Kafka broker exited during start${where}${tail ? ` (last lines: ${tail})` : ''}`);
    }
    try {
      await withAdmin(endpoint, (admin) => admin.describeCluster(), { retries: 0, requestTimeoutMs: 3_000 });
      return;
    } catch (error) {
      lastError = error;
    }
    await sleep(200);
  }
  throw new StackError(
    'START_TIMEOUT',
    `the Kafka broker at ${endpoint.brokers.join(',')} did not answer within ${Math.round(options.timeoutMs / 1000)} s ` +
      `(last error: ${oneLine(lastError)})${see}`,
    { cause: lastError, retriable: true },
  );
}

async function ensurePortsFree(port: number, controllerPort: number): Promise<void> {
  for (const [what, p] of [['Kafka', port], ['Kafka controller', controllerPort]] as const) {
    if (!(await isPortFree(p)))
      throw new StackError(
        'PORT_IN_USE',
        `port ${p} (${what}) on 127.0.0.1 is in use by another process (see \`ss -ltnp 'sport = :${p}'\`); ` +
          `stop it or choose other ports with PALISADE_KAFKA_PORT=<port> (the controller uses port+1)`,
      );
  }
}

/**
 * Start the broker of `dataDir`, or reuse it when it is already running on the same port.
 * Fetches the jars and formats the storage on first use. Resolves once the broker answers.
 */
export async function startBroker(options: BrokerOptions): Promise<BrokerInfo> {
  const paths = brokerPaths(options.dataDir);
  const controllerPort = options.controllerPort ?? options.port + 1;
  const brokers = [`127.0.0.1:${options.port}`];
  const formatted = existsSync(join(paths.data, 'meta.properties'));
  if (formatted && !kafkaPasswordsExist(options.dataDir))
    throw new StackError(
      'START_FAILED',
      `the Kafka data in ${paths.data} was formatted before the broker required logins; ` +
        `stop the stack and delete ${paths.data} (the local topics start empty) to let \`palisade stack up\` format it again`,
    );
  const passwords = ensureKafkaPasswords(options.dataDir);
  const endpoint = localAdminEndpoint(brokers, passwords.get('admin') ?? '');
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;

  const running = brokerPid(options.dataDir);
  if (running !== undefined) {
    const port = configuredPort(paths);
    if (port !== options.port)
      throw new StackError(
        'ALREADY_RUNNING_ELSEWHERE',
        `the broker of ${options.dataDir} is already running (pid ${running}) on port ${port ?? '?'}, not ${options.port}; ` +
          'run `palisade stack down` first, or use its port',
      );
    await waitForBroker(endpoint, { timeoutMs: readyTimeoutMs, alive: () => brokerPid(options.dataDir) !== undefined, logFile: paths.serverLog });
    return { pid: running, port: options.port, controllerPort, brokers, logFile: paths.serverLog, reused: true, saslMechanism: 'scram-sha-512', admin: endpoint };
  }

  const java = findJava(options.javaHome);
  await ensureKafkaJars(options.dataDir);
  await ensurePortsFree(options.port, controllerPort);
  for (const dir of [paths.data, paths.logs]) mkdirSync(dir, { recursive: true });
  rmSync(paths.properties, { force: true }); // created anew with mode 0600 (it holds the admin's password)
  writeFileSync(paths.properties, brokerProperties({ logDir: paths.data, port: options.port, controllerPort, adminPassword: passwords.get('admin') ?? '' }), { mode: 0o600 });
  formatStorage(java, paths, passwords);

  const heapMb = options.heapMb ?? 512;
  if (existsSync(paths.stdoutLog)) renameSync(paths.stdoutLog, `${paths.stdoutLog}.1`); // this run's output only
  const pid = await spawnDetached({
    command: java,
    args: [
      `-Xms${Math.min(256, heapMb)}m`,
      `-Xmx${heapMb}m`,
      '-Djava.awt.headless=true',
      ...classDataSharingArgs(paths, java),
      ...(options.jvmArgs ?? []),
      `-Dlog4j.configuration=file:${LOG4J_CONFIG}`,
      `-Dkafka.logs.dir=${paths.logs}`,
      '-cp',
      join(paths.libs, '*'),
      'kafka.Kafka',
      paths.properties,
    ],
    cwd: paths.root,
    logFile: paths.stdoutLog,
  });
  writeFileSync(paths.pidFile, `${pid}\n`);
  try {
    await waitForBroker(endpoint, {
      timeoutMs: readyTimeoutMs,
      alive: () => brokerPid(options.dataDir) !== undefined,
      logFile: paths.serverLog,
      stdoutLog: paths.stdoutLog,
    });
  } catch (error) {
    // Leave no half-started broker behind.
    await terminate(pid, { timeoutMs: 10_000 }).catch(() => undefined);
    rmSync(paths.pidFile, { force: true });
    throw error;
  }
  return { pid, port: options.port, controllerPort, brokers, logFile: paths.serverLog, reused: false, saslMechanism: 'scram-sha-512', admin: endpoint };
}

/** Stop the broker of `dataDir` by its recorded pid: SIGTERM, then SIGKILL after `timeoutMs`. */
export async function stopBroker(options: { dataDir: string; timeoutMs?: number }): Promise<{ stopped: boolean; pid: number | undefined }> {
  const paths = brokerPaths(options.dataDir);
  const pid = brokerPid(options.dataDir);
  if (pid !== undefined) await terminate(pid, { timeoutMs: options.timeoutMs ?? 30_000 });
  rmSync(paths.pidFile, { force: true });
  return { stopped: pid !== undefined, pid };
}
