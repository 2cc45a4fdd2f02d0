// What a fold collects: at most one pending write per key (a member, a source, a key…), in the
// order the batch first touched each. A full row when the batch created the thing, a patch of
// the fields it changed when the row is from an earlier batch, or its deletion. Pure.

export type PendingWrite<Row, Patch, Ref> =
  | { readonly kind: 'row'; readonly row: Row }
  | { readonly kind: 'patch'; readonly patch: Patch }
  | { readonly kind: 'delete'; readonly ref: Ref };

export class PendingWrites<Row, Patch = never, Ref = never> {
  private readonly entries = new Map<string, PendingWrite<Row, Patch, Ref>>();

  get(key: string): PendingWrite<Row, Patch, Ref> | undefined {
    return this.entries.get(key);
  }

  /** `key` now gets this full row (whatever the batch said about it before). */
  setRow(key: string, row: Row): void {
    this.entries.set(key, { kind: 'row', row });
  }

  /** `key` is now deleted (whatever the batch said about it before). */
  setDeleted(key: string, ref: Ref): void {
    this.entries.set(key, { kind: 'delete', ref });
  }

  /**
   * The row or patch to change for `key`: `newPatch()` (no fields touched yet) when the batch has
   * not touched it; undefined when the batch deleted it (nothing is left to change).
   */
  rowOrPatch(key: string, newPatch: () => Patch): Exclude<PendingWrite<Row, Patch, Ref>, { kind: 'delete' }> | undefined {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { kind: 'patch', patch: newPatch() };
      this.entries.set(key, entry);
    }
    return entry.kind === 'delete' ? undefined : entry;
  }

  /** The writes, by kind, each in first-touched order. */
  split(): { rows: Row[]; patches: Patch[]; deletions: Ref[] } {
    const rows: Row[] = [];
    const patches: Patch[] = [];
    const deletions: Ref[] = [];
    for (const entry of this.entries.values()) {
      if (entry.kind === 'row') rows.push(entry.row);
      else if (entry.kind === 'patch') patches.push(entry.patch);
      else deletions.push(entry.ref);
    }
    return { rows, patches, deletions };
  }
}
