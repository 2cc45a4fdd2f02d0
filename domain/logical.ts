// The logical JSON forms that hashes and signatures are computed over (docs/spec.md, normative).
// Avro is only the wire format: every decoder produces exactly these objects.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface LogicalActor {
  kind: 'user' | 'service' | 'system';
  id: string;
}

/** docs/spec.md "Event envelope and the hash chain": field names exact. */
export interface LogicalEvent {
  tenantId: string;
  seq: number;
  prevHash: string;
  eventId: string;
  type: string;
  schemaVersion: number;
  occurredAt: string; // RFC 3339 UTC with milliseconds, e.g. 2026-11-23T10:00:00.000Z
  actor: LogicalActor;
  commandId: string;
  payload: JsonObject;
}

/** A logical event together with its chain hash, as in events.jsonl exports. */
export interface HashedEvent extends LogicalEvent {
  hash: string;
}

/** What a producer signs: everything about the command except the signature itself. */
export interface LogicalCommand {
  commandId: string;
  tenantId: string;
  type: string;
  schemaVersion: number;
  issuedAt: string; // RFC 3339 UTC ms
  actor: LogicalActor;
  producerKeyId: string;
  payload: JsonObject;
}

export interface SignedCommand extends LogicalCommand {
  signature: Buffer | null; // 64-byte Ed25519 signature; null when the producer sent none
}

export type CommandOutcome = 'accepted' | 'rejected';

export interface CommandResult {
  commandId: string;
  tenantId: string;
  /**
   * Lowercase hex SHA-256 of the command record's value bytes. A client accepts only the result
   * whose digest matches what it sent, so a forged command reusing a commandId cannot answer
   * for the real one (docs/adr/0002-producer-keys.md).
   */
  commandDigest: string;
  /**
   * Lowercase hex SHA-256 of the command's content (consumers/command-processor/content-digest.ts):
   * what idempotency compares. Absent in results written before CommandResult v2.
   */
  contentDigest?: string;
  outcome: CommandOutcome;
  /** accepted: the seq range appended (a command can yield several events). */
  firstSeq?: number;
  lastSeq?: number;
  /** rejected: a stable code (see domain/errors.ts and consumers/command-processor/errors.ts). */
  code?: string;
  message?: string;
  /** true when this is the original result re-sent for a repeated commandId. */
  replayed: boolean;
  processedAt: string; // RFC 3339 UTC ms
}

export interface DeadLetter {
  sourceTopic: string;
  partition: number;
  offset: string;
  code: string;
  reason: string;
  originalKey: Buffer | null;
  originalValue: Buffer | null;
  failedAt: string;
}
