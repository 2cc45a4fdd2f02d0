// The sealed content a turn needs, read and opened: the message itself, the conversation's
// history (chat-content-reader.ts, through the opener role) and the memories the blind index
// recalls. Each item opens only under the binding it was sealed for (domain/tenant/chat-secrets.ts).
// An item that does not open (never expected: the processor sealed it) is left out with a warning
// instead of blocking the partition with retries that cannot succeed; one whose data key was
// destroyed (an erasure since) is simply not there.
import type pg from '../../adapters/postgres/pg.ts';
import { chatMessageBinding, chatReplyBinding, memoryBinding } from '../../domain/tenant/chat-secrets.ts';
import { conversationHistory, memories as storedMemories, MAX_HISTORY_ITEMS } from './chat-content-reader.ts';
import { ContentOpenError, type ContentOpener } from './content-opener.ts';
import { errorFields, type ChatWorkerLogger } from './logging.ts';
import type { MemoryIndex } from './memory-index.ts';
import type { PromptMemory, PromptTurn } from './prompt.ts';
import type { TurnRequest, TurnScope } from './turn.ts';

export interface TurnContentOptions {
  /** A pool acting as the opener role (throws once the worker stopped). */
  readonly reader: () => pg.Pool;
  readonly content: ContentOpener;
  readonly index: MemoryIndex;
  /** History items loaded for a prompt (the prompt budget cuts further). */
  readonly historyLimit: number;
  readonly log: ChatWorkerLogger;
}

export class TurnContent {
  private readonly options: TurnContentOptions;

  constructor(options: TurnContentOptions) {
    this.options = options;
  }

  /** The message's plaintext; undefined when it does not open (the turn then ends USER_GONE) or its key was destroyed. */
  async openMessage(request: TurnRequest): Promise<string | undefined> {
    try {
      return await this.options.content.openText(request, request.content, chatMessageBinding(request.tenantId, request.userId, request.conversationId, request.messageId));
    } catch (error) {
      if (!(error instanceof ContentOpenError)) throw error;
      this.options.log.warn({ tenantId: request.tenantId, eventId: request.eventId, ...errorFields(error) }, 'chat message does not open; the turn ends USER_GONE');
      return undefined;
    }
  }

  /** The conversation's messages and replies before `seq` (the message itself and anything after it left out: a read model ahead), opened. */
  async history(scope: TurnScope, seq: number): Promise<PromptTurn[]> {
    const items = await conversationHistory(this.options.reader(), scope, Math.min(this.options.historyLimit, MAX_HISTORY_ITEMS));
    const history: PromptTurn[] = [];
    for (const item of items) {
      if (item.seq >= seq) continue;
      const binding = item.kind === 'message'
        ? chatMessageBinding(scope.tenantId, scope.userId, scope.conversationId, item.itemId)
        : chatReplyBinding(scope.tenantId, scope.userId, scope.conversationId, item.itemId);
      let text: string | undefined;
      try {
        text = await this.options.content.openText(scope, item.sealed, binding);
      } catch (error) {
        if (!(error instanceof ContentOpenError)) throw error;
        this.options.log.warn({ tenantId: scope.tenantId, conversationId: scope.conversationId, itemSeq: item.seq, ...errorFields(error) }, 'chat history item does not open; left out');
        continue;
      }
      if (text !== undefined) history.push({ role: item.kind === 'message' ? 'user' : 'assistant', text });
    }
    return history;
  }

  /** The user's memories the index ranks best for `query`, best first, opened. */
  async recallMemories(tenantId: string, userId: string, query: string, limit: number): Promise<PromptMemory[]> {
    const ids = await this.options.index.scope(tenantId, userId).search(query, limit);
    if (ids.length === 0) return [];
    const stored = await storedMemories(this.options.reader(), { tenantId, userId }, ids);
    const byId = new Map(stored.map((m) => [m.memoryId, m]));
    const out: PromptMemory[] = [];
    for (const id of ids) {
      const memory = byId.get(id);
      if (memory === undefined) continue; // forgotten (or the index is ahead of the read model)
      try {
        const text = await this.options.content.openText({ tenantId, userId }, memory.sealed, memoryBinding(tenantId, userId, id));
        if (text !== undefined) out.push({ text });
      } catch (error) {
        if (!(error instanceof ContentOpenError)) throw error;
      }
    }
    return out;
  }
}
