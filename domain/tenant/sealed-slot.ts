// Reading a sealed value back out of a secret slot (an event's `secret`, `credential` or
// `content`, or the jsonb column a read model keeps it in): the projections that store it and
// the services that read the stored rows both keep exactly the five members, and skip anything
// else (a pending intake box, a damaged row). Lenient on purpose: this only picks the members;
// crypto/vault/sealed-value.ts parseSealedValue checks them strictly when the value is opened.
import type { SealedSecret } from './types.ts';

/** The sealed value in `slot`, its members only; undefined for anything else (a pending intake box). */
export function sealedValue(slot: Readonly<Record<string, unknown>> | undefined): SealedSecret | undefined {
  if (slot === undefined || slot['v'] !== 2) return undefined;
  const { kid, kv, n, ct } = slot;
  if (typeof kid !== 'string' || typeof kv !== 'number' || !Number.isSafeInteger(kv) || typeof n !== 'string' || typeof ct !== 'string') return undefined;
  return { v: 2, kid, kv, n, ct };
}
