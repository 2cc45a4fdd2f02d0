// The result of auditing one tenant, live or from a bundle: the first failure, or what holds.
import type { ChainHead } from '../domain/chain/chain-verifier.ts';
import type { VerifiedCheckpoint } from './anchor-evidence.ts';
import type { AuditFailure } from './failures.ts';
import type { KeySource } from './trusted-keys.ts';

export interface TenantAudit {
  readonly ok: boolean;
  readonly tenantId: string;
  /** Events read (up to and including the failing one). */
  readonly events: number;
  readonly head: ChainHead;
  readonly checkpoints: {
    readonly total: number;
    /** Checkpoints whose anchor evidence AND event root held. */
    readonly verified: number;
    /** Checkpoints whose anchor is not yet in immutable storage (live only). */
    readonly unpublished: number;
    readonly latest: { readonly size: number; readonly root: string; readonly anchorSeq: number } | null;
  };
  /** Whether each anchor was compared with immutable storage (not possible offline without --anchor-store). */
  readonly storageChecked: boolean;
  readonly keySource: KeySource | 'bundle';
  readonly failure?: AuditFailure;
}

/** Assembles a TenantAudit from what the two passes found. */
export function auditResult(
  base: { tenantId: string; keySource: TenantAudit['keySource']; storageChecked: boolean; total: number; unpublished: number },
  events: number,
  head: TenantAudit['head'],
  checkpoints: readonly VerifiedCheckpoint[],
  matched: number,
  failure: AuditFailure | undefined,
): TenantAudit {
  const latest = matched > 0 ? checkpoints[matched - 1]! : null;
  return {
    ok: failure === undefined,
    tenantId: base.tenantId,
    events,
    head,
    checkpoints: {
      total: base.total,
      verified: matched,
      unpublished: base.unpublished,
      latest: latest === null ? null : { size: latest.size, root: latest.root.toString('hex'), anchorSeq: latest.anchorSeq },
    },
    storageChecked: base.storageChecked,
    keySource: base.keySource,
    ...(failure === undefined ? {} : { failure }),
  };
}
