// Crypto-shredding (docs/spec.md "Erasure"): once a UserErased or TenantDeleted event is committed,
// the owner's DEKs are destroyed in the key store, so nothing they sealed opens again. The log
// is the source of truth: a crash between the commit and the destroy is repaired when the
// partition is rebuilt (every erased user and deleted tenant found there is destroyed again,
// idempotently), and a failed destroy is retried with the next batch.
import { decodeTenantEvent } from '../../domain/tenant/index.ts';
import type { StoredEvent } from '../../domain/tenant/index.ts';
import type { TenantHead } from './partition-state.ts';
import type { ProcessorLogger } from './options.ts';

export interface OwnerDestroyer {
  destroyUser(tenantId: string, userId: string): Promise<number>;
  destroyTenant(tenantId: string): Promise<number>;
}

type Erasure = { readonly tenantId: string; readonly userId?: string };

function key(e: Erasure): string {
  return e.userId === undefined ? e.tenantId : `${e.tenantId}/${e.userId}`;
}

export class CryptoShredder {
  private readonly store: OwnerDestroyer;
  private readonly log: ProcessorLogger;
  private readonly pending = new Map<string, Erasure>();

  constructor(store: OwnerDestroyer, log: ProcessorLogger) {
    this.store = store;
    this.log = log;
  }

  /** After a batch committed: destroy the keys its erasures name (and any still pending). */
  async afterCommit(events: readonly (StoredEvent & { readonly tenantId: string })[]): Promise<void> {
    for (const event of events) {
      if (event.type !== 'TenantDeleted' && event.type !== 'UserErased') continue; // the only events that erase
      const decoded = decodeTenantEvent(event);
      if (decoded.ok && decoded.event.type === 'TenantDeleted') this.enqueue({ tenantId: event.tenantId });
      if (decoded.ok && decoded.event.type === 'UserErased') this.enqueue({ tenantId: event.tenantId, userId: decoded.event.data.userId });
    }
    await this.flush();
  }

  /** After a partition was rebuilt from the log: every erasure it holds is (re)applied. */
  async afterRebuild(tenants: ReadonlyMap<string, TenantHead>): Promise<void> {
    for (const [tenantId, head] of tenants) {
      if (head.state.status === 'deleted') this.enqueue({ tenantId });
      else if (head.state.status === 'active') for (const userId of head.state.erasedUsers) this.enqueue({ tenantId, userId });
    }
    await this.flush();
  }

  get backlog(): number {
    return this.pending.size;
  }

  private enqueue(erasure: Erasure): void {
    this.pending.set(key(erasure), erasure);
  }

  private async flush(): Promise<void> {
    for (const [k, erasure] of [...this.pending]) {
      try {
        const destroyed = erasure.userId === undefined
          ? await this.store.destroyTenant(erasure.tenantId)
          : await this.store.destroyUser(erasure.tenantId, erasure.userId);
        this.pending.delete(k);
        if (destroyed > 0) this.log.info({ tenantId: erasure.tenantId, user: erasure.userId === undefined ? undefined : 'erased', keys: destroyed }, 'data keys destroyed');
      } catch (error) {
        this.log.warn({ tenantId: erasure.tenantId, err: String(error), backlog: this.pending.size }, 'destroying data keys failed; retrying after the next batch');
        return;
      }
    }
  }
}
