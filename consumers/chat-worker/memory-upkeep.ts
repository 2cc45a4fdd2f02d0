// Keeps the memory blind index (memory-index.ts) current from the events topic: a MemoryStored
// is opened and indexed, a MemoryForgotten unindexed, a UserErased or TenantDeleted deletes the
// user's or the tenant's rows. Index writes are upserts and deletes, so a redelivery is harmless.
import type { LogicalEvent } from '../../domain/logical.ts';
import { memoryBinding } from '../../domain/tenant/chat-secrets.ts';
import { isCanonicalUuid } from '../../domain/validation.ts';
import { ContentOpenError, type ContentOpener } from './content-opener.ts';
import { errorFields, type ChatWorkerLogger } from './logging.ts';
import type { MemoryIndex } from './memory-index.ts';

export class MemoryUpkeep {
  private readonly content: ContentOpener;
  private readonly index: MemoryIndex;
  private readonly log: ChatWorkerLogger;

  constructor(content: ContentOpener, index: MemoryIndex, log: ChatWorkerLogger) {
    this.content = content;
    this.index = index;
    this.log = log;
  }

  /** Applies one user's MemoryStored, MemoryForgotten or UserErased; true when a memory was indexed. */
  async apply(event: LogicalEvent, userId: string): Promise<boolean> {
    const tenantId = event.tenantId;
    switch (event.type) {
      case 'MemoryStored': {
        const memoryId = event.payload['memoryId'];
        if (!isCanonicalUuid(memoryId)) return false;
        let text: string | undefined;
        try {
          text = await this.content.openText({ tenantId, userId }, event.payload['content'], memoryBinding(tenantId, userId, memoryId));
        } catch (error) {
          if (!(error instanceof ContentOpenError)) throw error;
          this.log.warn({ tenantId, userId, memoryId, ...errorFields(error) }, 'memory index: a memory does not open; not indexed');
          return false;
        }
        if (text === undefined) return false; // the user was erased since: nothing to index
        await this.index.scope(tenantId, userId).index(memoryId, text);
        return true;
      }
      case 'MemoryForgotten': {
        const memoryId = event.payload['memoryId'];
        if (isCanonicalUuid(memoryId)) await this.index.scope(tenantId, userId).forget(memoryId);
        return false;
      }
      case 'UserErased': {
        const rows = await this.index.scope(tenantId, userId).eraseAll();
        this.log.info({ tenantId, userId, rows }, 'memory index: user erased');
        return false;
      }
      default:
        return false;
    }
  }

  /** A TenantDeleted: every row of the tenant goes. */
  async eraseTenant(tenantId: string): Promise<void> {
    const erased = await this.index.eraseTenant(tenantId);
    this.log.info({ tenantId, rows: erased }, 'memory index: tenant erased');
  }
}
