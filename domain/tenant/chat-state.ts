// The chat part of the tenant state and how its events change it (issue 7): per conversation,
// whose it is, whether it is deleted and each message's status; per memory, whose it is and
// whether it is forgotten. Never any content. state.ts holds the rest and the `evolve` dispatch.
import { PersistentMap } from '../persistent-map.ts';
import type { AssistantReplied, ChatTurnFailed, ChatTurnRequested, ConversationDeleted, ConversationStarted, MemoryForgotten, MemoryStored } from './events.ts';

/** A message awaits its reply ('pending') or has had its one outcome, a reply or a failure ('answered'). */
export type MessageStatus = 'pending' | 'answered';

/**
 * A conversation ever started in this tenant. Deleted ones stay (without their messages), so
 * their ids are never reused; a message id is unique within its conversation.
 */
export interface ConversationState {
  readonly userId: string;
  readonly deleted: boolean;
  readonly messages: PersistentMap<MessageStatus>;
}

export type Conversations = PersistentMap<ConversationState>;

/** A memory ever stored in this tenant. Forgotten ones stay, so their ids are never reused. */
export interface MemoryState {
  readonly userId: string;
  readonly forgotten: boolean;
}

export type Memories = PersistentMap<MemoryState>;

const NO_MESSAGES: PersistentMap<MessageStatus> = PersistentMap.empty();

/** What stays of a deleted conversation: whose it was, so its id is never reused. */
function deletedConversation(userId: string): ConversationState {
  return { userId, deleted: true, messages: NO_MESSAGES };
}

type ConversationEvent = ConversationStarted | ChatTurnRequested | AssistantReplied | ChatTurnFailed | ConversationDeleted;

export function evolveConversations(conversations: Conversations, event: ConversationEvent): Conversations {
  const { conversationId, userId } = event.data;
  const conversation = conversations.get(conversationId);
  if (event.type === 'ConversationStarted') {
    if (conversation !== undefined) return conversations; // ids are never reused
    return conversations.set(conversationId, { userId, deleted: false, messages: NO_MESSAGES });
  }
  if (conversation === undefined || conversation.deleted || conversation.userId !== userId) return conversations;
  let next: ConversationState;
  switch (event.type) {
    case 'ChatTurnRequested':
      if (conversation.messages.has(event.data.messageId)) return conversations;
      next = { ...conversation, messages: conversation.messages.set(event.data.messageId, 'pending') };
      break;
    case 'AssistantReplied':
    case 'ChatTurnFailed':
      if (conversation.messages.get(event.data.replyTo) !== 'pending') return conversations;
      next = { ...conversation, messages: conversation.messages.set(event.data.replyTo, 'answered') };
      break;
    case 'ConversationDeleted':
      next = deletedConversation(conversation.userId);
      break;
  }
  return conversations.set(conversationId, next);
}

export function evolveMemories(memories: Memories, event: MemoryStored | MemoryForgotten): Memories {
  const { memoryId, userId } = event.data;
  const memory = memories.get(memoryId);
  if (event.type === 'MemoryStored') {
    if (memory !== undefined) return memories; // ids are never reused
    return memories.set(memoryId, { userId, forgotten: false });
  }
  if (memory === undefined || memory.forgotten || memory.userId !== userId) return memories;
  return memories.set(memoryId, { userId, forgotten: true });
}

/** Erasure: every conversation of the user's is deleted, messages and all. One pass: erasure is rare. */
export function conversationsErased(conversations: Conversations, userId: string): Conversations {
  let erased = conversations;
  for (const [conversationId, conversation] of conversations) {
    if (conversation.userId === userId && !conversation.deleted) erased = erased.set(conversationId, deletedConversation(userId));
  }
  return erased;
}

/** Erasure: every memory of the user's is forgotten. */
export function memoriesErased(memories: Memories, userId: string): Memories {
  let erased = memories;
  for (const [memoryId, memory] of memories) {
    if (memory.userId === userId && !memory.forgotten) erased = erased.set(memoryId, { userId, forgotten: true });
  }
  return erased;
}
