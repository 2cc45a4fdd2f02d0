// The binding helpers shared by producers (sealing intake boxes), decide (PendingSecret) and the
// processor (opening and sealing): one definition, so the three always agree.
import { describe, expect, it } from 'vitest';
import {
  chatMessageBinding,
  chatReplyBinding,
  dekKid,
  isPendingSecret,
  memoryBinding,
  providerKeyBinding,
  sourceCredentialBinding,
} from '../../domain/tenant/index.ts';
import { BOX, CONV_A, CONV_B, MEMORY_A, MSG_1, MSG_2, pending, sealed, SOURCE_A, TENANT_ID } from './tenant-fixtures.ts';

describe('secret bindings', () => {
  it('bind a provider key to tenant, user and provider', () => {
    expect(providerKeyBinding(TENANT_ID, 'u-1', 'anthropic')).toStrictEqual({ tenantId: TENANT_ID, subject: 'u-1', purpose: 'provider-key', field: 'anthropic' });
  });
  it('bind a source credential to tenant and source, field "config"', () => {
    expect(sourceCredentialBinding(TENANT_ID, SOURCE_A)).toStrictEqual({ tenantId: TENANT_ID, subject: SOURCE_A, purpose: 'source-credential', field: 'config' });
  });
  it('differ for two users, two providers, two tenants', () => {
    const base = providerKeyBinding(TENANT_ID, 'u-1', 'anthropic');
    expect(providerKeyBinding(TENANT_ID, 'u-2', 'anthropic')).not.toStrictEqual(base);
    expect(providerKeyBinding(TENANT_ID, 'u-1', 'openai')).not.toStrictEqual(base);
    expect(providerKeyBinding('f0e1d2c3-b4a5-4697-8899-aabbccddeeff', 'u-1', 'anthropic')).not.toStrictEqual(base);
  });
});

describe('chat content bindings', () => {
  it('bind a message, a reply and a memory to tenant and user, with their own purpose and field', () => {
    expect(chatMessageBinding(TENANT_ID, 'u-1', CONV_A, MSG_1)).toStrictEqual({ tenantId: TENANT_ID, subject: 'u-1', purpose: 'chat-message', field: `${CONV_A}/${MSG_1}` });
    expect(chatReplyBinding(TENANT_ID, 'u-1', CONV_A, MSG_1)).toStrictEqual({ tenantId: TENANT_ID, subject: 'u-1', purpose: 'chat-reply', field: `${CONV_A}/${MSG_1}` });
    expect(memoryBinding(TENANT_ID, 'u-1', MEMORY_A)).toStrictEqual({ tenantId: TENANT_ID, subject: 'u-1', purpose: 'memory', field: MEMORY_A });
  });
  it('differ for two users, tenants, conversations and messages, and between a message and its reply', () => {
    const base = chatMessageBinding(TENANT_ID, 'u-1', CONV_A, MSG_1);
    const others = [
      chatMessageBinding(TENANT_ID, 'u-2', CONV_A, MSG_1),
      chatMessageBinding('f0e1d2c3-b4a5-4697-8899-aabbccddeeff', 'u-1', CONV_A, MSG_1),
      chatMessageBinding(TENANT_ID, 'u-1', CONV_B, MSG_1),
      chatMessageBinding(TENANT_ID, 'u-1', CONV_A, MSG_2),
      chatReplyBinding(TENANT_ID, 'u-1', CONV_A, MSG_1),
    ];
    for (const other of others) expect(other).not.toStrictEqual(base);
  });
});

describe('dekKid', () => {
  it('names a user\'s data key dek-<userId>, as the golden vector does (kid dek-u-1 for user u-1)', () => {
    expect(dekKid('u-1')).toBe('dek-u-1');
    expect(dekKid('alice@example.com')).toBe('dek-alice@example.com');
  });
});

describe('isPendingSecret', () => {
  it('tells a pending intake box from a sealed value', () => {
    expect(isPendingSecret(pending(BOX, providerKeyBinding(TENANT_ID, 'u-1', 'anthropic'), 'u-1'))).toBe(true);
    expect(isPendingSecret(sealed('u-1'))).toBe(false);
  });
});
