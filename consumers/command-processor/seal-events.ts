// Replaces every PendingSecret a decision emitted with the sealed value (and fills the empty
// `mask` of provider-key events and the `bytes` of chat events) before the events are hashed. Pure in shape: the sealing
// itself is the injected SecretSealing.
import type { TenantEvent } from '../../domain/tenant/events.ts';
import type { PendingSecret } from '../../domain/tenant/types.ts';
import { IntakeRefused, ProcessorCode } from './errors.ts';
import type { SecretSealing } from './secret-sealer.ts';

function isPending(value: unknown): value is PendingSecret {
  return typeof value === 'object' && value !== null && (value as { pending?: unknown }).pending === 'intake';
}

export function hasPendingSecrets(events: readonly TenantEvent[]): boolean {
  return events.some((event) => Object.values(event.data).some(isPending));
}

/**
 * The events with their secrets sealed. Throws IntakeRefused when a box is refused (the command
 * is rejected) or when no sealing is configured; anything else thrown is infrastructure.
 */
export async function sealPendingSecrets(events: readonly TenantEvent[], sealing: SecretSealing | undefined): Promise<TenantEvent[]> {
  const sealed: TenantEvent[] = [];
  for (const event of events) {
    const entries = Object.entries(event.data);
    if (!entries.some(([, value]) => isPending(value))) {
      sealed.push(event);
      continue;
    }
    if (sealing === undefined) throw new IntakeRefused(ProcessorCode.VAULT_NOT_CONFIGURED, 'this processor has no master key: it cannot accept secrets');
    const wantsMask = Object.hasOwn(event.data, 'mask');
    const wantsBytes = Object.hasOwn(event.data, 'bytes');
    const data: Record<string, unknown> = {};
    let mask: string | undefined;
    let bytes: number | undefined;
    for (const [key, value] of entries) {
      if (!isPending(value)) {
        data[key] = value;
        continue;
      }
      const out = await sealing.seal(value, { mask: wantsMask });
      data[key] = out.secret;
      mask ??= out.mask;
      bytes ??= out.bytes;
    }
    if (wantsMask && mask !== undefined) data['mask'] = mask;
    if (wantsBytes && bytes !== undefined) data['bytes'] = bytes;
    sealed.push({ ...event, data } as TenantEvent);
  }
  return sealed;
}
