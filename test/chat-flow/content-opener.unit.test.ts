// ContentOpener (consumers/chat-worker/content-opener.ts): opens a user's sealed message, reply or
// memory under exactly its binding with the user's own data key; undefined once that key is gone.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ContentOpener, ContentOpenError, type ContentKeys } from '../../consumers/chat-worker/content-opener.ts';
import { chatMessageBinding, memoryBinding } from '../../domain/tenant/chat-secrets.ts';
import { userKid } from '../../crypto/vault/store/key-store.ts';
import { generateDek, generateKek, withDek, wrapDek, type WrappedDek } from '../../crypto/vault/key-wrap.ts';
import { seal } from '../../crypto/vault/sealed-value.ts';

const kek = generateKek();
const tenantId = randomUUID();

function keysFor(...users: string[]): { keys: ContentKeys; deks: Map<string, WrappedDek>; opens: string[] } {
  const deks = new Map<string, WrappedDek>();
  for (const userId of users) {
    const dek = generateDek();
    deks.set(userKid(userId), wrapDek(dek, { kid: userKid(userId), kv: 1, owner: { kind: 'user', tenantId, userId } }, kek));
  }
  const opens: string[] = [];
  return {
    deks,
    opens,
    keys: {
      find: async (t, kid, kv) => (t === tenantId && kv === 1 ? deks.get(kid) : undefined),
      withDek: (wrapped, use) => withDek(wrapped, kek, use),
      countOpen: async (_t, kid) => {
        opens.push(kid);
      },
    },
  };
}

function sealFor(deks: Map<string, WrappedDek>, userId: string, text: string, binding: ReturnType<typeof chatMessageBinding>) {
  return withDek(deks.get(userKid(userId))!, kek, (dek) => seal(Buffer.from(text, 'utf8'), dek, binding, { kid: userKid(userId), kv: 1 }));
}

describe('ContentOpener', () => {
  const conversation = randomUUID();
  const message = randomUUID();

  it('opens content under its binding with the owner\'s key, and counts the open', async () => {
    const { keys, deks, opens } = keysFor('alice');
    const binding = chatMessageBinding(tenantId, 'alice', conversation, message);
    const sealed = sealFor(deks, 'alice', 'hello zebra', binding);
    expect(await new ContentOpener(keys).openText({ tenantId, userId: 'alice' }, sealed, binding)).toBe('hello zebra');
    expect(opens).toEqual([userKid('alice')]);
  });

  it('refuses another binding, another owner, another user\'s key, and malformed values', async () => {
    const { keys, deks } = keysFor('alice', 'bob');
    const opener = new ContentOpener(keys);
    const binding = chatMessageBinding(tenantId, 'alice', conversation, message);
    const sealed = sealFor(deks, 'alice', 'hello', binding);
    await expect(opener.openText({ tenantId, userId: 'alice' }, sealed, chatMessageBinding(tenantId, 'alice', conversation, randomUUID()))).rejects.toBeInstanceOf(ContentOpenError);
    await expect(opener.openText({ tenantId, userId: 'alice' }, sealed, memoryBinding(tenantId, 'alice', message))).rejects.toBeInstanceOf(ContentOpenError);
    // Bob asking for alice's value: the binding names alice, not the owner.
    await expect(opener.openText({ tenantId, userId: 'bob' }, sealed, binding)).rejects.toBeInstanceOf(ContentOpenError);
    // A value sealed under bob's key but bound to alice: not alice's key.
    const foreign = sealFor(deks, 'bob', 'hello', binding);
    await expect(opener.openText({ tenantId, userId: 'alice' }, foreign, binding)).rejects.toBeInstanceOf(ContentOpenError);
    await expect(opener.openText({ tenantId, userId: 'alice' }, { v: 2 }, binding)).rejects.toBeInstanceOf(ContentOpenError);
    const error = await opener.openText({ tenantId, userId: 'alice' }, sealed, chatMessageBinding(tenantId, 'alice', conversation, randomUUID())).catch((e: unknown) => e);
    expect(String((error as Error).message)).not.toContain('hello');
  });

  it('returns undefined once the owner\'s data key is destroyed (erasure)', async () => {
    const { keys, deks } = keysFor('alice');
    const binding = chatMessageBinding(tenantId, 'alice', conversation, message);
    const sealed = sealFor(deks, 'alice', 'gone soon', binding);
    deks.delete(userKid('alice'));
    expect(await new ContentOpener(keys).openText({ tenantId, userId: 'alice' }, sealed, binding)).toBeUndefined();
  });
});
