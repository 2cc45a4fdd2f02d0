// `palisade audit verify`: recompute a tenant's chain from Kafka and report the head or the
// first bad seq and why.
import type { KafkaClient as Kafka } from '../adapters/kafka/client.ts';
import { ChainVerifier, type ChainFailure, type ChainHead } from '../domain/chain/chain-verifier.ts';
import { readTenantEvents } from './tenant-events.ts';

export type TenantVerification =
  | { readonly ok: true; readonly tenantId: string; readonly events: number; readonly head: ChainHead }
  | { readonly ok: false; readonly tenantId: string; readonly events: number; readonly head: ChainHead; readonly failure: ChainFailure | UndecodableFailure };

export interface UndecodableFailure {
  readonly seq: number;
  readonly code: 'UNDECODABLE';
  readonly expected: string;
  readonly actual: string;
}

export async function verifyTenant(kafka: Kafka, eventsTopic: string, tenantId: string, onProgress?: (events: number) => void): Promise<TenantVerification> {
  const verifier = new ChainVerifier(tenantId);
  let events = 0;
  let undecodable: UndecodableFailure | undefined;
  await readTenantEvents(kafka, eventsTopic, tenantId, (stored) => {
    if (undecodable || !verifier.verdict.ok) return;
    events++;
    if (!stored.ok) {
      undecodable = { seq: verifier.head.seq + 1, code: 'UNDECODABLE', expected: 'a decodable EventEnvelope', actual: `offset ${stored.offset}: ${stored.code}` };
      return;
    }
    verifier.push(stored.event, stored.carriedHash);
    if (events % 1000 === 0) onProgress?.(events);
  });
  const verdict = verifier.verdict;
  if (undecodable) return { ok: false, tenantId, events, head: verifier.head, failure: undecodable };
  return verdict.ok ? { ok: true, tenantId, events, head: verdict.head } : { ok: false, tenantId, events, head: verdict.head, failure: verdict.failure };
}
