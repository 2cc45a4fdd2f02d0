// An events-topic record as the run guard (domain/tenant/run-guard.ts) admits it: decoded, or
// attributed to its key's tenant with the reason it does not decode. Never throws: a record no
// one can read stops its tenant in the consumer, not the consumer (issue 12).
import { UNATTRIBUTED_TENANT, type GuardRecord } from '../domain/tenant/run-guard.ts';
import { isCanonicalUuid } from '../domain/validation.ts';
import { decodeEvent } from './codec.ts';

/** The fields of a fetched record the guard needs (adapters/kafka InRecord has them). */
export interface EventRecordBytes {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export function toGuardRecord(record: EventRecordBytes): GuardRecord {
  const position = { partition: record.partition, offset: BigInt(record.offset) };
  const key = record.key?.toString('utf8');
  const keyTenant = isCanonicalUuid(key) ? key : UNATTRIBUTED_TENANT;
  if (record.value === null) return { tenantId: keyTenant, ...position, undecodable: 'a record without a value' };
  try {
    const decoded = decodeEvent(record.value);
    return { tenantId: decoded.event.tenantId, ...position, decoded: { event: decoded.event, hash: decoded.carriedHash } };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { tenantId: keyTenant, ...position, undecodable: `does not decode (${typeof code === 'string' ? code : 'error'})` };
  }
}
