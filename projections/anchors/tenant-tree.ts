// One tenant's RFC 6962 tree as the anchorer keeps it: three compact ranges, O(log n) hashes
// each, never the leaves themselves:
//   checkpointed  [0, m)  the tree at the last checkpoint
//   current       [0, n)  the tree now (its root is the next checkpoint's root)
//   appended      [m, n)  the leaves since the last checkpoint
// The consistency proof m → n takes its old-side subtrees from `checkpointed` and its new-side
// subtrees from `appended` (domain/merkle/compact-range.ts). Events are checked against the chain
// before they become leaves (domain/tenant/run-check.ts, the check every consumer runs): the
// anchorer never anchors an event whose hash it cannot recompute.
import { GENESIS_HASH } from '../../domain/chain/event-hash.ts';
import { checkNextEvent, type ExtraRunCheck, type RunAnomaly, type RunHead } from '../../domain/tenant/run-check.ts';
import { CompactRange } from '../../domain/merkle/compact-range.ts';
import { leafHash } from '../../domain/merkle/hash.ts';
import { consistencyRanges } from '../../domain/merkle/proof-ranges.ts';
import type { LogicalEvent } from '../../domain/logical.ts';
import { AnchorerError } from './errors.ts';

/** A tenant's state at its last checkpoint, as stored in anchors.tenant_trees. */
export interface TenantTreeRow {
  readonly tenantId: string;
  readonly size: number;
  readonly root: Buffer;
  readonly headHash: Buffer;
  readonly compactRange: Buffer[];
  readonly anchorSeq: number;
}

export type PushOutcome = 'appended' | 'duplicate' | { readonly halted: string; readonly anomaly?: RunAnomaly };

export class TenantTree {
  readonly tenantId: string;
  #checkpointed: CompactRange;
  #current: CompactRange;
  #appended: CompactRange;
  #head: RunHead;
  #anchorSeq: number | null;
  #halted: string | null = null;

  private constructor(tenantId: string, checkpointed: CompactRange, headHash: string, anchorSeq: number | null) {
    this.tenantId = tenantId;
    this.#checkpointed = checkpointed;
    this.#current = checkpointed.clone();
    this.#appended = CompactRange.empty(checkpointed.end);
    this.#head = headHash === '' ? { seq: 0, hash: GENESIS_HASH } : { seq: checkpointed.end, hash: headHash };
    this.#anchorSeq = anchorSeq;
  }

  static empty(tenantId: string): TenantTree {
    return new TenantTree(tenantId, CompactRange.empty(), '', null);
  }

  /** Resumes from a stored row, refusing one whose compact range does not give its root. */
  static resume(row: TenantTreeRow): TenantTree {
    const range = CompactRange.fromHashes(0, row.size, row.compactRange);
    if (!range.root().equals(row.root)) {
      throw new AnchorerError('STATE_CORRUPT', `anchors.tenant_trees for ${row.tenantId}: the compact range of size ${row.size} does not give the stored root`);
    }
    return new TenantTree(row.tenantId, range, row.headHash.toString('hex'), row.anchorSeq);
  }

  /**
   * The tenant's next event with its stored hash. The head again, byte for byte, is a duplicate
   * (a redelivery). Any other anomaly halts the tree: later events are ignored and the valid
   * prefix stays anchorable; the anchorer records a quarantine an operator releases (resume()).
   */
  push(event: LogicalEvent, storedHash: string, extra?: ExtraRunCheck): PushOutcome {
    if (this.#halted !== null) return { halted: this.#halted };
    const head = this.#head;
    const verdict = checkNextEvent({ tenantId: this.tenantId, last: head.seq === 0 ? undefined : head, event, hash: storedHash, ...(extra ? { extra } : {}) });
    if (verdict.kind === 'redelivery') return 'duplicate';
    if (verdict.kind === 'anomaly') return { ...this.#halt(`${verdict.anomaly.code} at seq ${head.seq + 1}: ${verdict.anomaly.detail}`), anomaly: verdict.anomaly };
    this.#head = verdict.head;
    const leaf = leafHash(Buffer.from(storedHash, 'hex'));
    this.#current.append(leaf);
    this.#appended.append(leaf);
    return 'appended';
  }

  /** An operator released the tenant's quarantine: it accepts events after its head again. */
  resume(): void {
    this.#halted = null;
  }

  /** Stops the tree at its valid prefix, e.g. for a record of this tenant that cannot be decoded. */
  halt(reason: string): void {
    this.#halted ??= reason;
  }

  get size(): number {
    return this.#current.size;
  }

  get checkpointedSize(): number {
    return this.#checkpointed.size;
  }

  /** Leaves were appended since the last checkpoint. */
  get changed(): boolean {
    return this.#current.size > this.#checkpointed.size;
  }

  get halted(): string | null {
    return this.#halted;
  }

  get anchorSeq(): number | null {
    return this.#anchorSeq;
  }

  root(): Buffer {
    return this.#current.root();
  }

  checkpointedRoot(): Buffer {
    return this.#checkpointed.root();
  }

  /** RFC 6962 §2.1.2 proof from the last checkpoint's tree to the current one. */
  consistencyProof(): Buffer[] {
    const m = this.#checkpointed.size;
    return consistencyRanges(m, this.#current.size).map((range) => (range.end <= m ? this.#checkpointed : this.#appended).subtreeHash(range));
  }

  /** The row to store with the checkpoint of the current tree in anchor `anchorSeq`. */
  rowAt(anchorSeq: number): TenantTreeRow {
    return {
      tenantId: this.tenantId, size: this.size, root: this.root(), headHash: Buffer.from(this.#head.hash, 'hex'),
      compactRange: this.#current.hashes, anchorSeq,
    };
  }

  /** After the checkpoint is committed: the current tree becomes the checkpointed one. */
  markCheckpointed(anchorSeq: number): void {
    this.#checkpointed = this.#current.clone();
    this.#appended = CompactRange.empty(this.#current.end);
    this.#anchorSeq = anchorSeq;
  }

  #halt(reason: string): { halted: string } {
    this.#halted = reason;
    return { halted: reason };
  }
}
