import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kafkaEndpoint, parseKafkaAuth, parseKafkaTls } from '../../deploy/config/kafka.ts';
import { serviceAcls } from '../../adapters/kafka/acls.ts';

const dir = mkdtempSync(join(tmpdir(), 'palisade-kafka-config-'));
const secret = (name: string, text: string, mode = 0o600) => {
  const file = join(dir, name);
  writeFileSync(file, text, { mode });
  return file;
};

describe('Kafka logins from the environment', () => {
  it('uses the local stack logins when nothing is set, one user per role', () => {
    const auth = parseKafkaAuth({}, { dataDir: '/d', mechanism: 'scram-sha-512' });
    expect(auth).toEqual({ mechanism: 'scram-sha-512', credentialsDir: '/d/kafka/credentials' });
    expect(parseKafkaAuth({}, undefined)).toBeUndefined();
    expect(parseKafkaAuth({ PALISADE_KAFKA_SASL_MECHANISM: 'none' }, { dataDir: '/d', mechanism: 'scram-sha-512' })).toBeUndefined();
  });

  it('one external principal for the process: user + password file (0600), mechanism and CA', () => {
    const passwordFile = secret('p1', 'hunter2\n');
    const ca = secret('ca.pem', '-----BEGIN CERTIFICATE-----\n');
    const env = { PALISADE_KAFKA_USER: 'svc-proc', PALISADE_KAFKA_PASSWORD_FILE: passwordFile, PALISADE_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', PALISADE_KAFKA_CA_FILE: ca };
    const endpoint = kafkaEndpoint({ kafka: { brokers: ['k:9093'], auth: parseKafkaAuth(env, undefined), tls: parseKafkaTls(env) } }, 'processor');
    expect(endpoint).toEqual({ brokers: ['k:9093'], credentials: { mechanism: 'scram-sha-256', username: 'svc-proc', password: 'hunter2' }, tls: { ca: '-----BEGIN CERTIFICATE-----\n' } });
  });

  it('refuses half a login, an unknown mechanism and a password file others can read', () => {
    expect(() => parseKafkaAuth({ PALISADE_KAFKA_USER: 'x' }, undefined)).toThrow(/PALISADE_KAFKA_PASSWORD_FILE/);
    expect(() => parseKafkaAuth({ PALISADE_KAFKA_SASL_MECHANISM: 'gssapi' }, undefined)).toThrow(/PALISADE_KAFKA_SASL_MECHANISM/);
    const open = secret('p2', 'pw\n', 0o644);
    const auth = parseKafkaAuth({ PALISADE_KAFKA_USER: 'x', PALISADE_KAFKA_PASSWORD_FILE: open }, undefined);
    expect(() => kafkaEndpoint({ kafka: { brokers: ['k:1'], auth, tls: undefined } }, 'producer')).toThrow(/group or others/);
  });
});

describe('serviceAcls', () => {
  const grants = serviceAcls('dev.');
  const can = (role: string, operation: string, name: string) => grants.some((g) => g.role === role && g.operation === operation && g.resource === 'topic' && g.name === name);
  it('lets only the processor write events, results and dead letters, and only the anchorer anchors', () => {
    const writers = (name: string) => [...new Set(grants.filter((g) => g.resource === 'topic' && g.name === name && g.operation === 'WRITE').map((g) => g.role))];
    expect(writers('dev.palisade.events')).toEqual(['processor']);
    expect(writers('dev.palisade.command-results')).toEqual(['processor']);
    expect(writers('dev.palisade.dead-letter')).toEqual(['processor']);
    expect(writers('dev.palisade.anchors')).toEqual(['anchorer']);
    expect(writers('dev.palisade.commands').sort()).toEqual(['chat-worker', 'producer']);
  });
  it('gives producers no read of events or commands', () => {
    expect(can('producer', 'READ', 'dev.palisade.events')).toBe(false);
    expect(can('producer', 'READ', 'dev.palisade.commands')).toBe(false);
    expect(can('producer', 'READ', 'dev.palisade.command-results')).toBe(true);
  });
});
