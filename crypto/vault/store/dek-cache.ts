// A small in-process cache of wrapped DEKs (what the key store's rows hold: no key bytes in the
// clear; unwrapping still needs the KEK). It saves the processor a database round trip per
// sealed or opened secret. Bounded (least recently used entries go first) and short-lived (a
// TTL), because a destroy in *another* process cannot reach it: such a destroy is seen here after
// at most `ttlMs`. Destroys through the same KeyStore drop the entries at once. A cache hit never
// writes, so it can never re-create a destroyed DEK (the tombstones guard every creation).
import type { WrappedDek } from '../index.ts';

export interface DekCacheOptions {
  /** At most this many wrapped DEKs (default 1024). */
  readonly maxEntries?: number;
  /** An entry is used for at most this long after it was read (default 60 s). */
  readonly ttlMs?: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

interface Entry {
  readonly wrapped: WrappedDek;
  readonly expires: number;
}

const keyOf = (tenantId: string, kid: string, kv: number): string => `${tenantId}\u0000${kid}\u0000${kv}`;

export class DekCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: DekCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1024;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get(tenantId: string, kid: string, kv: number): WrappedDek | undefined {
    const key = keyOf(tenantId, kid, kv);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expires <= this.now()) return undefined;
    this.entries.set(key, entry); // most recently used last
    return entry.wrapped;
  }

  set(wrapped: WrappedDek): void {
    if (this.maxEntries <= 0) return;
    const key = keyOf(wrapped.owner.tenantId, wrapped.kid, wrapped.kv);
    this.entries.delete(key);
    this.entries.set(key, { wrapped, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  delete(tenantId: string, kid: string, kv: number): void {
    this.entries.delete(keyOf(tenantId, kid, kv));
  }

  /** Every DEK of the user (any kid the user owns, any version). */
  deleteUser(tenantId: string, userId: string): void {
    for (const [key, entry] of this.entries) {
      const owner = entry.wrapped.owner;
      if (owner.tenantId === tenantId && owner.kind === 'user' && owner.userId === userId) this.entries.delete(key);
    }
  }

  deleteTenant(tenantId: string): void {
    for (const [key, entry] of this.entries) if (entry.wrapped.owner.tenantId === tenantId) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
