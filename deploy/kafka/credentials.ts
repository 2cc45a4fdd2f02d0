// The local stack's Kafka logins: one random password per role (adapters/kafka/principals.ts) in
// <data dir>/kafka/credentials/<role>.password (directory 0700, files 0600), created once and
// never printed. The broker learns them when its storage is formatted (SCRAM) and from its
// server.properties (the admin's, for the controller listener); clients read them through
// deploy/config/kafka.ts.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { KAFKA_ROLES, localKafkaUser, type KafkaRole } from '../../adapters/kafka/principals.ts';
import type { KafkaEndpoint } from '../../adapters/kafka/client.ts';
import { kafkaPasswordFile, localCredentialsDir } from '../config/kafka.ts';

/** Every role's password, creating the missing files. */
export function ensureKafkaPasswords(dataDir: string): ReadonlyMap<KafkaRole, string> {
  mkdirSync(localCredentialsDir(dataDir), { recursive: true, mode: 0o700 });
  const passwords = new Map<KafkaRole, string>();
  for (const role of KAFKA_ROLES) {
    const file = kafkaPasswordFile(localCredentialsDir(dataDir), role);
    if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    passwords.set(role, readFileSync(file, 'utf8').trim());
  }
  return passwords;
}

/** True when the admin's password file exists (the storage was formatted with the logins). */
export function kafkaPasswordsExist(dataDir: string): boolean {
  return existsSync(kafkaPasswordFile(localCredentialsDir(dataDir), 'admin'));
}

/** The local broker as its admin sees it. */
export function localAdminEndpoint(brokers: readonly string[], adminPassword: string): KafkaEndpoint {
  return { brokers, credentials: { mechanism: 'scram-sha-512', username: localKafkaUser('admin'), password: adminPassword } };
}

/** The admin endpoint of the data dir's broker, or a login-less one when it has no passwords yet. */
export function localStackAdmin(dataDir: string, brokers: readonly string[]): KafkaEndpoint {
  return kafkaPasswordsExist(dataDir) ? localAdminEndpoint(brokers, ensureKafkaPasswords(dataDir).get('admin') ?? '') : { brokers };
}
