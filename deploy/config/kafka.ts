// Who each service is on Kafka: the SASL mechanism, the principal's user and password file, and
// TLS (PALISADE_KAFKA_*; the root README's table says what each means). On the local stack every
// role has its own login under <data dir>/kafka/credentials (deploy/kafka/credentials.ts); an
// external cluster is configured by the environment, one principal per process
// (PALISADE_KAFKA_USER + PALISADE_KAFKA_PASSWORD_FILE) or one password file per role in a
// directory (PALISADE_KAFKA_CREDENTIALS_DIR).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_SASL_MECHANISMS, type KafkaEndpoint, type KafkaSaslMechanism } from '../../adapters/kafka/client.ts';
import { localKafkaUser, type KafkaRole } from '../../adapters/kafka/principals.ts';
import { envValue, type Env } from './env.ts';
import { ConfigError } from './errors.ts';

/** How this process logs in to Kafka (part of AppConfig; the passwords are read when used). */
export interface KafkaAuthSettings {
  readonly mechanism: KafkaSaslMechanism;
  /** One principal for every role of this process (PALISADE_KAFKA_USER). */
  readonly user?: { readonly name: string; readonly passwordFile: string } | undefined;
  /** A directory of `<role>.password` files, users `palisade-<role>` (the local stack's layout). */
  readonly credentialsDir?: string | undefined;
}

export interface KafkaTlsSettings {
  /** PEM bundle to trust instead of the system's CAs (PALISADE_KAFKA_CA_FILE). */
  readonly caFile?: string | undefined;
}

/** The local stack's credentials directory. */
export function localCredentialsDir(dataDir: string): string {
  return join(dataDir, 'kafka', 'credentials');
}

export function kafkaPasswordFile(credentialsDir: string, role: KafkaRole): string {
  return join(credentialsDir, `${role}.password`);
}

function parseMechanism(env: Env): KafkaSaslMechanism | 'none' | undefined {
  const value = envValue(env, 'PALISADE_KAFKA_SASL_MECHANISM')?.toLowerCase();
  if (value === undefined) return undefined;
  const known = [...KAFKA_SASL_MECHANISMS, 'none'] as const;
  const mechanism = known.find((candidate) => candidate === value);
  if (mechanism === undefined) throw new ConfigError('PALISADE_KAFKA_SASL_MECHANISM', `is "${value}"`, `use one of ${known.join(', ')}`);
  return mechanism;
}

/**
 * The SASL settings from the environment, else the local stack's (`localStack`: the data dir
 * of a recorded stack whose broker authenticates, when this process talks to that broker).
 */
export function parseKafkaAuth(env: Env, localStack: { dataDir: string; mechanism: KafkaSaslMechanism } | undefined): KafkaAuthSettings | undefined {
  const mechanism = parseMechanism(env);
  if (mechanism === 'none') return undefined;
  const name = envValue(env, 'PALISADE_KAFKA_USER');
  const passwordFile = envValue(env, 'PALISADE_KAFKA_PASSWORD_FILE');
  if ((name === undefined) !== (passwordFile === undefined))
    throw new ConfigError(
      name === undefined ? 'PALISADE_KAFKA_USER' : 'PALISADE_KAFKA_PASSWORD_FILE',
      'is unset while its pair is set',
      'set both PALISADE_KAFKA_USER and PALISADE_KAFKA_PASSWORD_FILE, or neither',
    );
  if (name !== undefined && passwordFile !== undefined) return { mechanism: mechanism ?? 'scram-sha-512', user: { name, passwordFile } };
  const credentialsDir = envValue(env, 'PALISADE_KAFKA_CREDENTIALS_DIR');
  if (credentialsDir !== undefined) return { mechanism: mechanism ?? 'scram-sha-512', credentialsDir };
  if (localStack !== undefined) return { mechanism: mechanism ?? localStack.mechanism, credentialsDir: localCredentialsDir(localStack.dataDir) };
  if (mechanism !== undefined)
    throw new ConfigError('PALISADE_KAFKA_SASL_MECHANISM', `is ${mechanism} but names no login`, 'set PALISADE_KAFKA_USER and PALISADE_KAFKA_PASSWORD_FILE (or PALISADE_KAFKA_CREDENTIALS_DIR)');
  return undefined;
}

export function parseKafkaTls(env: Env): KafkaTlsSettings | undefined {
  const caFile = envValue(env, 'PALISADE_KAFKA_CA_FILE');
  const tls = envValue(env, 'PALISADE_KAFKA_TLS')?.toLowerCase();
  if (tls !== undefined && tls !== 'true' && tls !== 'false') throw new ConfigError('PALISADE_KAFKA_TLS', `is "${tls}"`, 'use true or false');
  if (caFile !== undefined) return { caFile };
  return tls === 'true' ? {} : undefined;
}

/** A password file's first line; refused when group or others can read it. */
export function readKafkaPasswordFile(file: string, variable: string): string {
  let text: string;
  try {
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0)
      throw new ConfigError(variable, `(${file}) can be read by group or others`, `chmod 600 ${file}`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(variable, `(${file}) cannot be read: ${(error as Error).message}`, 'point it at the principal\'s password file');
  }
  const password = text.split('\n')[0]?.trim() ?? '';
  if (password.length === 0) throw new ConfigError(variable, `(${file}) is empty`, 'write the password on its first line');
  return password;
}

/** Where Kafka is and who `role` is there, for that service's client. */
export function kafkaEndpoint(
  config: { readonly kafka: { readonly brokers: readonly string[]; readonly auth?: KafkaAuthSettings | undefined; readonly tls?: KafkaTlsSettings | undefined } },
  role: KafkaRole,
): KafkaEndpoint {
  const { brokers, auth, tls } = config.kafka;
  const endpoint: KafkaEndpoint = {
    brokers,
    ...(tls === undefined ? {} : { tls: { ca: tls.caFile === undefined ? undefined : readFileSync(tls.caFile, 'utf8') } }),
  };
  if (auth === undefined) return endpoint;
  if (auth.user !== undefined)
    return { ...endpoint, credentials: { mechanism: auth.mechanism, username: auth.user.name, password: readKafkaPasswordFile(auth.user.passwordFile, 'PALISADE_KAFKA_PASSWORD_FILE') } };
  const file = kafkaPasswordFile(auth.credentialsDir ?? '', role);
  return { ...endpoint, credentials: { mechanism: auth.mechanism, username: localKafkaUser(role), password: readKafkaPasswordFile(file, 'PALISADE_KAFKA_CREDENTIALS_DIR') } };
}
