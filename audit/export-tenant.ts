// `palisade audit export`: DIR/events.jsonl, one logical event per line with its `hash`, fields
// in docs/spec.md order (the format of the golden vectors), so auditors can verify it without us.
// Given the tenant's anchor evidence, the rest of the bundle too (audit/bundle/format.ts).
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { KafkaClient as Kafka } from '../adapters/kafka/client.ts';
import type { HashedEvent, LogicalEvent } from '../domain/logical.ts';
import { readTenantEvents } from './tenant-events.ts';
import { type BundleEvidence, writeBundleEvidence } from './bundle/write-bundle.ts';

export function exportLine(event: LogicalEvent, hash: string): string {
  const ordered: HashedEvent = {
    tenantId: event.tenantId, seq: event.seq, prevHash: event.prevHash, eventId: event.eventId, type: event.type,
    schemaVersion: event.schemaVersion, occurredAt: event.occurredAt, actor: event.actor, commandId: event.commandId,
    payload: event.payload, hash,
  };
  return JSON.stringify(ordered);
}

/** Writes atomically (temp file, then rename), so a partial export never looks complete. */
export async function exportTenant(
  kafka: Kafka,
  eventsTopic: string,
  tenantId: string,
  outDir: string,
  evidence?: BundleEvidence,
): Promise<{ events: number; file: string; head: { seq: number; hash: string } }> {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, 'events.jsonl');
  const partial = `${file}.partial`;
  const out = createWriteStream(partial, { encoding: 'utf8' });
  let events = 0;
  let head = { seq: 0, hash: '' };
  let undecodable: string | undefined;
  await readTenantEvents(kafka, eventsTopic, tenantId, (stored) => {
    if (!stored.ok) {
      undecodable ??= `offset ${stored.offset}: ${stored.code}`;
      return;
    }
    // The hash exported is the one stored with the event, not a recomputation: the auditor's
    // verifier must be the one to find a mismatch.
    out.write(`${exportLine(stored.event, stored.carriedHash)}\n`);
    events++;
    head = { seq: stored.event.seq, hash: stored.carriedHash };
  });
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  if (undecodable) throw new Error(`an event record could not be decoded (${undecodable}); nothing exported`);
  await rename(partial, file);
  if (evidence !== undefined) writeBundleEvidence(outDir, tenantId, { events, head }, evidence);
  return { events, file, head };
}
