// The processor's sealing step: an intake box in, a sealed value (and mask) out, bound to exactly
// the binding the processor derived; every wrong box is a refusal of the command, while a key
// store failure is not (the batch is retried).
import { createCipheriv, randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { sealPendingSecrets } from '../../consumers/command-processor/seal-events.ts';
import { SecretSealer, type DekSource } from '../../consumers/command-processor/secret-sealer.ts';
import { IntakeRefused } from '../../consumers/command-processor/errors.ts';
import type { TenantEvent } from '../../domain/tenant/events.ts';
import type { PendingSecret, SecretBinding } from '../../domain/tenant/types.ts';
import { toBase64Url } from '../../crypto/vault/encoding.ts';
import { generateIntakeKeyPair, sealToIntake } from '../../crypto/vault/intake.ts';
import { generateDek, generateKek, withDek, wrapDek, type WrappedDek } from '../../crypto/vault/key-wrap.ts';
import { open } from '../../crypto/vault/sealed-value.ts';

// The real openIntake, recording what it returns, so a test can see the plaintext was zeroed.
const opened = vi.hoisted((): Uint8Array[] => []);
vi.mock('../../crypto/vault/intake.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../crypto/vault/intake.ts')>();
  return {
    ...real,
    openIntake: (...args: Parameters<typeof real.openIntake>) => {
      const plaintext = real.openIntake(...args);
      opened.push(plaintext);
      return plaintext;
    },
  };
});

const TENANT = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
const BINDING: SecretBinding = { tenantId: TENANT, subject: 'u-1', purpose: 'provider-key', field: 'anthropic' };
const API_KEY = 'sk-ant-api03-canary-4b1d0c2e9f3a';
const CONVERSATION = '2c000000-0000-4000-8000-000000000001';
const MESSAGE = '2d000000-0000-4000-8000-000000000001';
const CHAT_BINDING: SecretBinding = { tenantId: TENANT, subject: 'u-1', purpose: 'chat-message', field: `${CONVERSATION}/${MESSAGE}` };
// 4 + 2 + 3 + 4 UTF-8 bytes of markers around the canary: `bytes` counts bytes, not characters.
const MESSAGE_TEXT = 'Zürich → 🙂 canary-message: what is our Q3 revenue?';

function fixture() {
  const kek = generateKek();
  const intake = generateIntakeKeyPair();
  const deks = new Map<string, WrappedDek>();
  const asked: Array<[string, number]> = [];
  const source: DekSource = {
    async dekFor(owner, kv) {
      asked.push([owner.userId, kv]);
      const key = `${owner.tenantId}/${owner.userId}/${kv}`;
      if (!deks.has(key)) deks.set(key, wrapDek(generateDek(), { kid: `dek-${owner.userId}`, kv, owner: { kind: 'user', tenantId: owner.tenantId, userId: owner.userId } }, kek));
      return deks.get(key)!;
    },
  };
  const pending = (binding: SecretBinding = BINDING, box = toBase64Url(sealToIntake(Buffer.from(API_KEY), intake.publicKey, binding)), keyVersion = 3): PendingSecret => ({
    pending: 'intake', box, binding, owner: { tenantId: TENANT, userId: 'u-1', keyVersion },
  });
  return { kek, intake, deks, asked, sealer: new SecretSealer(kek, source, intake), pending };
}

function event(secret: PendingSecret, mask = ''): TenantEvent {
  return { type: 'ProviderKeyStored', data: { userId: 'u-1', provider: 'anthropic', mask, secret } } as unknown as TenantEvent;
}

describe('sealing a pending secret', () => {
  it('seals it under the owner DEK at the tenant key version, opens only under its binding, and masks it', async () => {
    const f = fixture();
    const [sealed] = await sealPendingSecrets([event(f.pending())], f.sealer);
    const data = sealed!.data as unknown as { mask: string; secret: { v: number; kid: string; kv: number; n: string; ct: string } };
    expect(f.asked).toEqual([['u-1', 3]]);
    expect(data.secret).toMatchObject({ v: 2, kid: 'dek-u-1', kv: 3 });
    expect(data.mask).toBe('sk-ant-…9f3a');
    expect(JSON.stringify(sealed)).not.toContain('canary');
    const wrapped = [...f.deks.values()][0]!;
    expect(withDek(wrapped, f.kek, (dek) => open(data.secret, dek, BINDING).toString('utf8'))).toBe(API_KEY);
    expect(() => withDek(wrapped, f.kek, (dek) => open(data.secret, dek, { ...BINDING, subject: 'u-2' }))).toThrow(expect.objectContaining({ code: 'OPEN_FAILED' }));
  });

  it('leaves events without a pending secret as they are (same object)', async () => {
    const f = fixture();
    const plain = { type: 'MemberAdded', data: { userId: 'u', email: 'u@x.io', role: 'member' } } as TenantEvent;
    expect((await sealPendingSecrets([plain], f.sealer))[0]).toBe(plain);
  });

  it.each([
    ['sealed for another tenant', (f: ReturnType<typeof fixture>) => f.pending(BINDING, toBase64Url(sealToIntake(Buffer.from(API_KEY), f.intake.publicKey, { ...BINDING, tenantId: '0'.repeat(8) + TENANT.slice(8) })))],
    ['sealed for another user', (f: ReturnType<typeof fixture>) => f.pending(BINDING, toBase64Url(sealToIntake(Buffer.from(API_KEY), f.intake.publicKey, { ...BINDING, subject: 'u-2' })))],
    ['sealed for another field', (f: ReturnType<typeof fixture>) => f.pending(BINDING, toBase64Url(sealToIntake(Buffer.from(API_KEY), f.intake.publicKey, { ...BINDING, field: 'openai' })))],
    ['sealed to another intake key', (f: ReturnType<typeof fixture>) => f.pending(BINDING, toBase64Url(sealToIntake(Buffer.from(API_KEY), generateIntakeKeyPair().publicKey, BINDING)))],
    ['not base64url', (f: ReturnType<typeof fixture>) => f.pending(BINDING, 'not/base64+url==')],
    ['truncated', (f: ReturnType<typeof fixture>) => f.pending(BINDING, toBase64Url(sealToIntake(Buffer.from(API_KEY), f.intake.publicKey, BINDING)).slice(0, 60))],
  ])('refuses a box %s with SECRET_INTAKE_FAILED', async (_name, make) => {
    const f = fixture();
    const error = await sealPendingSecrets([event(make(f))], f.sealer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntakeRefused);
    expect((error as IntakeRefused).code).toBe('SECRET_INTAKE_FAILED');
    expect(f.asked).toEqual([]); // a refused box creates no data key
    expect(String((error as Error).message)).not.toContain('canary');
  });

  it('refuses with VAULT_NOT_CONFIGURED when the processor has no master key', async () => {
    const f = fixture();
    await expect(sealPendingSecrets([event(f.pending())], undefined)).rejects.toMatchObject({ code: 'VAULT_NOT_CONFIGURED' });
  });

  it('does not add a bytes field to an event that has none', async () => {
    const f = fixture();
    const [sealed] = await sealPendingSecrets([event(f.pending())], f.sealer);
    expect(Object.keys(sealed!.data).sort()).toStrictEqual(['mask', 'provider', 'secret', 'userId']);
  });

  it('lets a key store failure through as an error, not a refusal (the batch is retried)', async () => {
    const f = fixture();
    const broken = new SecretSealer(f.kek, { dekFor: () => Promise.reject(new Error('connection refused')) }, f.intake);
    const error = await sealPendingSecrets([event(f.pending())], broken).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(IntakeRefused);
    expect(String(error)).toContain('connection refused');
  });
});

describe('sealing chat content (maxBytes, bytes)', () => {
  function chatEvent(content: PendingSecret): TenantEvent {
    return { type: 'ChatTurnRequested', data: { conversationId: CONVERSATION, messageId: MESSAGE, userId: 'u-1', bytes: 0, content } } as unknown as TenantEvent;
  }
  function chatPending(f: ReturnType<typeof fixture>, text: string | Buffer, maxBytes: number): PendingSecret {
    const box = toBase64Url(sealToIntake(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, f.intake.publicKey, CHAT_BINDING));
    return { ...f.pending(CHAT_BINDING, box, 1), maxBytes };
  }

  it('fills bytes with the plaintext length in UTF-8 bytes and seals the content under its binding', async () => {
    const f = fixture();
    const [sealed] = await sealPendingSecrets([chatEvent(chatPending(f, MESSAGE_TEXT, 32 * 1024))], f.sealer);
    const data = sealed!.data as unknown as { bytes: number; content: { v: number; kid: string; kv: number; n: string; ct: string } };
    expect(data.bytes).toBe(Buffer.byteLength(MESSAGE_TEXT, 'utf8'));
    expect(data.bytes).toBeGreaterThan([...MESSAGE_TEXT].length);
    expect(data.content).toMatchObject({ v: 2, kid: 'dek-u-1', kv: 1 });
    expect(sealed!.data).not.toHaveProperty('mask');
    expect(JSON.stringify(sealed)).not.toContain('canary');
    const wrapped = [...f.deks.values()][0]!;
    expect(withDek(wrapped, f.kek, (dek) => open(data.content, dek, CHAT_BINDING).toString('utf8'))).toBe(MESSAGE_TEXT);
    expect(() => withDek(wrapped, f.kek, (dek) => open(data.content, dek, { ...CHAT_BINDING, purpose: 'chat-reply' }))).toThrow(expect.objectContaining({ code: 'OPEN_FAILED' }));
  });

  it('accepts content of exactly maxBytes', async () => {
    const f = fixture();
    const [sealed] = await sealPendingSecrets([chatEvent(chatPending(f, Buffer.alloc(4096, 0x61), 4096))], f.sealer);
    expect((sealed!.data as unknown as { bytes: number }).bytes).toBe(4096);
  });

  it('refuses content over maxBytes with MESSAGE_TOO_LONG, naming the limit and never the content', async () => {
    const f = fixture();
    const text = `canary ${'x'.repeat(4096)}`;
    const error = await sealPendingSecrets([chatEvent(chatPending(f, text, 4096))], f.sealer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntakeRefused);
    expect((error as IntakeRefused).code).toBe('MESSAGE_TOO_LONG');
    expect((error as Error).message).toContain('4096 bytes');
    expect((error as Error).message).not.toContain('canary');
    expect((error as Error).message).not.toContain('xxxx');
  });

  it('counts bytes, not characters: 2000 emoji are 8000 bytes, over a 4096-byte limit', async () => {
    const f = fixture();
    const error = await sealPendingSecrets([chatEvent(chatPending(f, '🙂'.repeat(2000), 4096))], f.sealer).catch((e: unknown) => e);
    expect((error as IntakeRefused).code).toBe('MESSAGE_TOO_LONG');
  });

  it('zeroes the opened plaintext when it refuses it', async () => {
    const f = fixture();
    opened.length = 0;
    const error = await sealPendingSecrets([chatEvent(chatPending(f, `canary ${'x'.repeat(100)}`, 64))], f.sealer).catch((e: unknown) => e);
    expect((error as IntakeRefused).code).toBe('MESSAGE_TOO_LONG');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.byteLength).toBe(107);
    expect(opened[0]!.every((byte) => byte === 0)).toBe(true);
  });
});

/** A value as the replaced system stored it: hex salt:iv:ct, AES-256-CBC under scrypt(secret, salt). */
function legacyValue(plaintext: string, secret: string): string {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', scryptSync(secret, salt, 32, { N: 16384, r: 8, p: 1 }), iv);
  return `${salt.toString('hex')}:${iv.toString('hex')}:${Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('hex')}`;
}

describe('sealing a legacy import (issue 12: no legacy ciphertext enters an event)', () => {
  const LEGACY_SECRET = 'the-old-systems-secret';
  const legacyFixture = (secret?: string) => {
    const f = fixture();
    const sealer = new SecretSealer(f.kek, { dekFor: async (owner, kv) => { f.asked.push([owner.userId, kv]); return wrapDek(generateDek(), { kid: `dek-${owner.userId}`, kv, owner: { kind: 'user', tenantId: owner.tenantId, userId: owner.userId } }, f.kek); } }, f.intake, secret);
    const pendingLegacy = (value: string): PendingSecret => ({ ...f.pending(BINDING, toBase64Url(sealToIntake(Buffer.from(value), f.intake.publicKey, BINDING))), legacy: true });
    return { ...f, sealer, pendingLegacy };
  };

  it('decrypts it with the legacy secret and seals the plaintext like any secret: mask filled, the legacy value and its box zeroed', async () => {
    const f = legacyFixture(LEGACY_SECRET);
    const value = legacyValue(API_KEY, LEGACY_SECRET);
    opened.length = 0;
    const [sealed] = await sealPendingSecrets([event(f.pendingLegacy(value))], f.sealer);
    const data = sealed!.data as unknown as { mask: string; secret: { v: number; kid: string; kv: number; n: string; ct: string } };
    expect(data.secret).toMatchObject({ v: 2, kid: 'dek-u-1', kv: 3 });
    expect(data.mask).toBe('sk-ant-…9f3a');
    expect(JSON.stringify(sealed)).not.toContain(value.split(':')[2]);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.every((byte) => byte === 0)).toBe(true);
  });

  it('refuses it without a legacy secret (LEGACY_SECRET_MISSING) before any data key is made', async () => {
    const f = legacyFixture();
    const error = await sealPendingSecrets([event(f.pendingLegacy(legacyValue(API_KEY, LEGACY_SECRET)))], f.sealer).catch((e: unknown) => e);
    expect((error as IntakeRefused).code).toBe('LEGACY_SECRET_MISSING');
    expect(f.asked).toEqual([]);
  });

  it('refuses a value made with another secret, and a box that holds no legacy value (LEGACY_IMPORT_FAILED), never naming it', async () => {
    const f = legacyFixture(LEGACY_SECRET);
    const wrong = legacyValue(API_KEY, 'another-secret');
    for (const value of [wrong, API_KEY]) {
      const error = await sealPendingSecrets([event(f.pendingLegacy(value))], f.sealer).catch((e: unknown) => e);
      expect((error as IntakeRefused).code).toBe('LEGACY_IMPORT_FAILED');
      expect((error as Error).message).not.toContain(wrong.split(':')[2]);
      expect((error as Error).message).not.toContain('canary');
    }
    expect(f.asked).toEqual([]);
  });
});
