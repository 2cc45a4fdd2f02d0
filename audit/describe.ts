// One human-readable summary of an audit, shared by `palisade-verify` and `palisade audit verify`.
import { formatFailure } from './failures.ts';
import type { TenantAudit } from './tenant-audit.ts';

export function describeAudit(result: TenantAudit): string {
  if (!result.ok && result.failure !== undefined) return formatFailure(result.tenantId, result.failure);
  const latest = result.checkpoints.latest;
  const anchored = latest === null ? 'no checkpoint yet' : `checkpoint size ${latest.size} in anchor ${latest.anchorSeq}`;
  const notes = [
    result.keySource === 'bundle' ? 'anchor keys taken from the bundle (pin them with --key)' : undefined,
    result.keySource === 'recorded' ? 'anchor keys taken from the database records (pin them with --anchor-key)' : undefined,
    result.checkpoints.unpublished > 0 ? `${result.checkpoints.unpublished} checkpoint(s) still being published` : undefined,
    result.storageChecked ? undefined : 'anchors not compared with storage (use --anchor-store)',
  ].filter((note) => note !== undefined);
  return (
    `OK tenant ${result.tenantId}: ${result.events} events, head seq ${result.head.seq} hash ${result.head.hash}, ` +
    `${result.checkpoints.verified}/${result.checkpoints.total} checkpoints verified, ${anchored}` +
    (notes.length > 0 ? `\n  note: ${notes.join('; ')}` : '')
  );
}
