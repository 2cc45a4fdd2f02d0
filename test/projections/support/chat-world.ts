// A world for the chat read models (conversations + chat_messages, memories, chat_content), on
// the three tenants of tenant-world.ts: Acme (A) and Globex (B) with members and chat histories —
// conversations with replies, a failure and a pending message, a conversation deleted, memories
// stored and one forgotten — and Initech deleted. eraseInA() then has tenant A erase alice (after
// her last message and memory, in the same batch) while bob goes on.
import { randomUUID } from 'node:crypto';
import type { GeneratedEvent } from '../../bench/_synthetic-events.ts';
import type { JsonObject } from '../../../domain/logical.ts';
import { TenantStream, TenantWorld, buildWorld, user, type WorldOptions } from './tenant-world.ts';
export interface ChatTenant {
  readonly id: string;
  readonly p: string;
  readonly name: string;
  readonly domain: string;
  readonly users: { readonly owner: string; readonly admin: string; readonly alice: string; readonly bob: string; readonly erin: string };
  /** a1: alice's (replies, a failure); a2: alice's, deleted; b1: bob's; o1: the owner's (one message awaiting its reply). */
  readonly conversations: { readonly a1: string; readonly a2: string; readonly b1: string; readonly o1: string };
  /** m1…m3 in a1, m4 in a2, m5 in b1, m6 in o1; m7 (alice's last) and m8 (bob's, after the erasure) in eraseInA(). */
  readonly messages: Readonly<Record<'m1' | 'm2' | 'm3' | 'm4' | 'm5' | 'm6' | 'm7' | 'm8', string>>;
  /** a1 alice's; a2 alice's, forgotten; b1 bob's; o1 the owner's; a3 alice's last and b2 bob's (eraseInA). */
  readonly memories: Readonly<Record<'a1' | 'a2' | 'b1' | 'o1' | 'a3' | 'b2', string>>;
}

function facts(p: string, name: string, domain: string): ChatTenant {
  const ids = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, randomUUID()])) as Record<K, string>;
  return {
    id: randomUUID(), p, name, domain,
    users: { owner: `${p}owner`, admin: `${p}admin`, alice: `${p}alice`, bob: `${p}bob`, erin: `${p}erin` },
    conversations: ids(['a1', 'a2', 'b1', 'o1'] as const),
    messages: ids(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'] as const),
    memories: ids(['a1', 'a2', 'b1', 'o1', 'a3', 'b2'] as const),
  };
}

const CLAUDE = 'claude-sonnet-4-5';

/** Builds sealed values for one tenant; every nonce and ciphertext goes into `secrets`. */
function sealer(t: ChatTenant, secrets: string[]): (userId: string, label: string) => JsonObject {
  const tag = t.p.replace(/-$/, '');
  return (userId, label) => {
    const n = `${tag}N-${label}`.padEnd(32, 'n');
    const ct = `${tag}Ct-${label}-plaintext-would-be-here`.padEnd(48, 'c');
    secrets.push(n, ct);
    return { v: 2, kid: `dek-u-${userId}`, kv: 1, n, ct };
  };
}

function tenantHistory(stream: TenantStream, t: ChatTenant, secrets: string[]): void {
  const { owner, admin, alice, bob, erin } = t.users;
  const { a1, a2, b1, o1 } = t.conversations;
  const m = t.messages;
  const sealed = sealer(t, secrets);
  const add = (userId: string, role: string) => stream.add('MemberAdded', { userId, email: `${userId}@${t.domain}`, role }, user(owner));
  const turn = (who: string, conversationId: string, messageId: string, bytes: number) =>
    stream.add('ChatTurnRequested', { conversationId, messageId, userId: who, bytes, content: sealed(who, `msg-${messageId.slice(0, 8)}`) }, user(who));
  const reply = (who: string, conversationId: string, replyTo: string, bytes: number, model: string, inputTokens: number, outputTokens: number, stopReason?: string) =>
    stream.add('AssistantReplied', {
      conversationId, userId: who, replyTo, bytes, content: sealed(who, `reply-${replyTo.slice(0, 8)}`), model, inputTokens, outputTokens,
      ...(stopReason === undefined ? {} : { stopReason }),
    }, { kind: 'service', id: 'chat-worker' });
  stream.add('TenantCreated', { name: t.name, owner: { userId: owner, email: `${owner}@${t.domain}` } }, user(owner));
  add(admin, 'admin');
  add(alice, 'member');
  add(bob, 'member');
  add(erin, 'viewer');
  stream.add('ConversationStarted', { conversationId: a1, userId: alice, model: CLAUDE }, user(alice));
  turn(alice, a1, m.m1, 120);
  reply(alice, a1, m.m1, 900, CLAUDE, 30, 250, 'end_turn');
  turn(alice, a1, m.m2, 64);
  stream.add('ChatTurnFailed', { conversationId: a1, userId: alice, replyTo: m.m2, reason: 'RATE_LIMITED' }, { kind: 'service', id: 'chat-worker' });
  turn(alice, a1, m.m3, 10);
  reply(alice, a1, m.m3, 20, CLAUDE, 5, 7, 'max_tokens');
  stream.add('ConversationStarted', { conversationId: a2, userId: alice }, user(alice));
  turn(alice, a2, m.m4, 33);
  reply(alice, a2, m.m4, 44, 'gpt-4o', 3, 4);
  stream.add('ConversationDeleted', { conversationId: a2, userId: alice }, user(alice));
  stream.add('ConversationStarted', { conversationId: b1, userId: bob, model: 'gpt-4o' }, user(bob));
  turn(bob, b1, m.m5, 50);
  reply(bob, b1, m.m5, 60, 'gpt-4o', 6, 8, 'stop');
  stream.add('ConversationStarted', { conversationId: o1, userId: owner }, user(owner));
  turn(owner, o1, m.m6, 70);
  const memory = (who: string, memoryId: string, bytes: number) =>
    stream.add('MemoryStored', { memoryId, userId: who, bytes, content: sealed(who, `mem-${memoryId.slice(0, 8)}`) }, user(who));
  memory(alice, t.memories.a1, 100);
  memory(alice, t.memories.a2, 200);
  stream.add('MemoryForgotten', { memoryId: t.memories.a2, userId: alice }, user(alice));
  memory(bob, t.memories.b1, 300);
  memory(owner, t.memories.o1, 400);
}

export class ChatWorld extends TenantWorld<ChatTenant> {
  static async create(options: WorldOptions = {}): Promise<ChatWorld> {
    return new ChatWorld(await buildWorld({ facts, history: tenantHistory }, options));
  }

  /**
   * Tenant A: alice sends a last message and stores a last memory, is erased (same batch), and
   * bob goes on (a message, its reply, a memory). Waits until projected; returns the UserErased event.
   */
  async eraseInA(): Promise<GeneratedEvent> {
    const { alice, bob, owner } = this.a.users;
    const { a1, b1 } = this.a.conversations;
    const sealed = sealer(this.a, this.secretStrings);
    return this.appendToA((s) => {
      s.add('ChatTurnRequested', { conversationId: a1, messageId: this.a.messages.m7, userId: alice, bytes: 5, content: sealed(alice, 'last-msg') }, user(alice));
      s.add('MemoryStored', { memoryId: this.a.memories.a3, userId: alice, bytes: 6, content: sealed(alice, 'last-mem') }, user(alice));
      const erasure = s.add('UserErased', { userId: alice }, user(owner));
      s.add('ChatTurnRequested', { conversationId: b1, messageId: this.a.messages.m8, userId: bob, bytes: 7, content: sealed(bob, 'after-msg') }, user(bob));
      s.add('AssistantReplied', {
        conversationId: b1, userId: bob, replyTo: this.a.messages.m8, bytes: 8, content: sealed(bob, 'after-reply'), model: 'gpt-4o', inputTokens: 9, outputTokens: 10,
      }, { kind: 'service', id: 'chat-worker' });
      s.add('MemoryStored', { memoryId: this.a.memories.b2, userId: bob, bytes: 11, content: sealed(bob, 'after-mem') }, user(bob));
      return erasure;
    });
  }

  /** Every id of tenant `t` (conversations, messages, memories). */
  idsOf(t: ChatTenant): string[] {
    return [t.id, ...Object.values(t.conversations), ...Object.values(t.messages), ...Object.values(t.memories)];
  }

  protected override foreignMarkers(): string[] {
    return ['globex', 'gx-', 'initech', 'in-', ...this.idsOf(this.b), ...this.idsOf(this.c)];
  }
}
