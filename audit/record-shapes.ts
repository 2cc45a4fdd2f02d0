// Shape checks for records that come from outside (an export bundle, a database an attacker may
// have edited): each returns the first problem as text, or null. Nothing unchecked is hashed.
import { isHex256, isUuid } from '../domain/chain/validate-event.ts';
import type { AnchorRecord, CheckpointRecord } from '../domain/merkle/anchor-records.ts';

const isCount = (value: unknown, min: number): value is number => Number.isSafeInteger(value) && (value as number) >= min;
const isHexList = (value: unknown): value is string[] => Array.isArray(value) && value.length <= 64 && value.every(isHex256);

export function checkpointShapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const c = value as Record<string, unknown>;
  if (!isUuid(c.tenantId)) return 'tenantId is not a lowercase UUID';
  if (!isCount(c.size, 1)) return 'size is not a positive integer';
  if (!isHex256(c.root)) return 'root is not 64 lowercase hex';
  if (!isCount(c.anchorSeq, 1)) return 'anchorSeq is not a positive integer';
  if (!isCount(c.leafIndex, 0)) return 'leafIndex is not a non-negative integer';
  if (!isHexList(c.inclusion)) return 'inclusion is not a list of 64-hex hashes';
  if (!isCount(c.previousSize, 0)) return 'previousSize is not a non-negative integer';
  if (!isHexList(c.consistency)) return 'consistency is not a list of 64-hex hashes';
  return null;
}

export function isCheckpointRecord(value: unknown): value is CheckpointRecord {
  return checkpointShapeProblem(value) === null;
}

export function anchorShapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const a = value as Record<string, unknown>;
  if (!isCount(a.seq, 1)) return 'seq is not a positive integer';
  if (typeof a.note !== 'string') return 'note is not a string';
  const s = a.storage as Record<string, unknown> | null | undefined;
  if (typeof s !== 'object' || s === null) return 'storage receipt is missing';
  if (s.kind !== 'fs' && s.kind !== 's3') return 'storage kind is neither "fs" nor "s3"';
  if (typeof s.location !== 'string' || typeof s.key !== 'string' || s.key.length === 0) return 'storage location or key is missing';
  if (s.versionId !== null && typeof s.versionId !== 'string') return 'storage versionId is neither a string nor null';
  if (!isHex256(s.sha256)) return 'storage sha256 is not 64 lowercase hex';
  return null;
}

export function isAnchorRecord(value: unknown): value is AnchorRecord {
  return anchorShapeProblem(value) === null;
}
