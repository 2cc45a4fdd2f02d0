// What one consumer does with each record of the events topic, tenant by tenant (issue 12,
// "Quarantine, not crash"; docs/spec.md "Quarantine"). Pure state over a batch: the caller loads
// the heads and quarantines it stored, admits the batch's records in stream order, then stores
// what changed together with its position. The chain itself is judged by checkNextEvent.
//
// A record is new for the consumer when its offset is past the head's (the record that made the
// head); one at or before it was checked already (a re-read after a seek or a restart). While a
// tenant is quarantined, its records from the anomaly on are skipped; every other tenant flows.
// A released quarantine dismisses exactly the record it was raised on: the consumer re-reads
// the tenant from its last good point and checks everything after it again.
import type { LogicalEvent } from '../logical.ts';
import { checkNextEvent, type ExtraRunCheck, type RunAnomaly } from './run-check.ts';

/** The tenant's last good event, with the stream position of the record that carried it. */
export interface GuardHead {
  readonly seq: number;
  readonly hash: string;
  readonly partition: number;
  readonly offset: bigint;
}

/** A quarantine: raised on the record at (partition, offset); released by an operator. */
export interface QuarantineMark {
  readonly tenantId: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly released: boolean;
}

export interface NewQuarantine extends QuarantineMark {
  readonly seq: number | null;
  readonly anomaly: RunAnomaly;
}

export interface GuardRecord {
  /** The event's tenant, or the record key's for one that does not decode. */
  readonly tenantId: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly decoded?: { readonly event: LogicalEvent; readonly hash: string };
  /** Why the record does not decode (then `decoded` is absent). */
  readonly undecodable?: string;
}

export type GuardVerdict =
  // The tenant's next good event; `resumed`: after a released quarantine's record, so it was
  // skipped while the tenant was quarantined (the consumer's own offsets may already be past it).
  | { readonly kind: 'apply'; readonly resumed: boolean }
  | { readonly kind: 'seen' } // checked before (a re-read): handle as the consumer's offsets say
  | { readonly kind: 'redelivery' } // the head again, at a new offset: skip silently
  | { readonly kind: 'quarantined' } // the tenant is stopped in this consumer: skip
  | { readonly kind: 'dismissed' } // the record a released quarantine was raised on: skip
  | { readonly kind: 'anomaly'; readonly anomaly: RunAnomaly }; // just quarantined: skip

export interface RunGuardOptions {
  readonly extra?: ExtraRunCheck;
  readonly recompute?: boolean;
}

/** Tenant id under which records that name no tenant are quarantined. */
export const UNATTRIBUTED_TENANT = '-';

export class RunGuard {
  readonly #heads: Map<string, GuardHead>;
  readonly #active = new Map<string, QuarantineMark>();
  readonly #released: QuarantineMark[] = [];
  readonly #changed = new Map<string, GuardHead>();
  readonly #raised: NewQuarantine[] = [];
  readonly #dismissed: QuarantineMark[] = [];
  readonly #options: RunGuardOptions;

  constructor(heads: Iterable<readonly [string, GuardHead]>, quarantines: Iterable<QuarantineMark>, options: RunGuardOptions = {}) {
    this.#heads = new Map(heads);
    for (const mark of quarantines) {
      if (mark.released) this.#released.push(mark);
      else this.#active.set(mark.tenantId, mark);
    }
    this.#options = options;
  }

  admit(record: GuardRecord): GuardVerdict {
    const { tenantId, partition, offset } = record;
    const active = this.#active.get(tenantId);
    if (active !== undefined && (active.partition !== partition || offset >= active.offset)) return { kind: 'quarantined' };
    const released = this.#released.find((m) => m.tenantId === tenantId && m.partition === partition && m.offset === offset);
    if (released !== undefined) {
      this.#dismissed.push(released);
      return { kind: 'dismissed' };
    }
    const head = this.#heads.get(tenantId);
    if (head !== undefined && head.partition === partition && offset <= head.offset) return { kind: 'seen' };
    if (record.decoded === undefined) return this.#raise(record, null, { code: 'CHAIN_UNDECODABLE', detail: record.undecodable ?? 'the record does not decode' });
    const { event, hash } = record.decoded;
    const verdict = checkNextEvent({
      tenantId, last: head, event, hash,
      ...(this.#options.recompute === undefined ? {} : { recompute: this.#options.recompute }),
      ...(this.#options.extra === undefined ? {} : { extra: this.#options.extra }),
    });
    if (verdict.kind === 'anomaly') return this.#raise(record, Number.isSafeInteger(event.seq) ? event.seq : null, verdict.anomaly);
    const next = verdict.kind === 'ok' ? { ...verdict.head, partition, offset } : { ...head!, partition, offset };
    this.#heads.set(tenantId, next);
    this.#changed.set(tenantId, next);
    if (verdict.kind !== 'ok') return { kind: 'redelivery' };
    return { kind: 'apply', resumed: this.#released.some((m) => m.tenantId === tenantId && m.partition === partition && m.offset < offset) };
  }

  /** Heads moved by the admitted records: store them with the consumer's position. */
  changedHeads(): ReadonlyMap<string, GuardHead> {
    return this.#changed;
  }

  /** Quarantines raised by the admitted records. */
  raised(): readonly NewQuarantine[] {
    return this.#raised;
  }

  /** Released quarantines whose record was met again: the tenant's re-check has passed it. */
  dismissed(): readonly QuarantineMark[] {
    return this.#dismissed;
  }

  /** The tenant's last good event as admitted so far. */
  headOf(tenantId: string): GuardHead | undefined {
    return this.#heads.get(tenantId);
  }

  isQuarantined(tenantId: string): boolean {
    return this.#active.has(tenantId);
  }

  #raise(record: GuardRecord, seq: number | null, anomaly: RunAnomaly): GuardVerdict {
    const mark: NewQuarantine = { tenantId: record.tenantId, partition: record.partition, offset: record.offset, released: false, seq, anomaly };
    this.#active.set(record.tenantId, mark);
    this.#raised.push(mark);
    return { kind: 'anomaly', anomaly };
  }
}
