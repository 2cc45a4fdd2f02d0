import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, sign, verify } from '../../crypto/ed25519.ts';
import { KEY_FILE_MODE, readSigningKeyFile, writeSigningKeyFile } from '../../crypto/key-file.ts';
import { isSecureBuffer, zero } from '../../crypto/secure-memory.ts';
import { codeThrownBy } from '../fixtures/errors.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-keys-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeRaw(name: string, content: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  return path;
}

describe('signing key files', () => {
  it('writes the documented JSON, mode 0600, and reads it back into secure memory', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const path = join(dir, 'gateway.key');
    writeSigningKeyFile(path, 'gateway-2026', secretKey);

    expect(statSync(path).mode & 0o777).toBe(KEY_FILE_MODE);
    const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    expect(Object.keys(file)).toEqual(['keyId', 'alg', 'publicKey', 'secretKey']);
    expect(file).toMatchObject({ keyId: 'gateway-2026', alg: 'ed25519', publicKey: publicKey.toString('base64') });

    const loaded = readSigningKeyFile(path);
    expect(loaded.keyId).toBe('gateway-2026');
    expect(loaded.publicKey.equals(publicKey)).toBe(true);
    expect(isSecureBuffer(loaded.secretKey)).toBe(true);
    expect(loaded.secretKey.equals(secretKey)).toBe(true);
    const message = Buffer.from('signed with the loaded key');
    expect(verify(message, sign(message, loaded.secretKey), publicKey)).toBe(true);
    zero(secretKey);
    zero(loaded.secretKey);
  });

  it('never overwrites an existing key file', () => {
    const { secretKey } = generateSigningKeyPair();
    const path = writeRaw('existing.key', 'keep me');
    expect(codeThrownBy(() => writeSigningKeyFile(path, 'k', secretKey))).toBe('KEY_FILE_EXISTS');
    expect(readFileSync(path, 'utf8')).toBe('keep me');
    zero(secretKey);
  });

  it('refuses a key file that group or others can read', () => {
    const { secretKey } = generateSigningKeyPair();
    const path = join(dir, 'loose.key');
    writeSigningKeyFile(path, 'k', secretKey);
    chmodSync(path, 0o644);
    expect(codeThrownBy(() => readSigningKeyFile(path))).toBe('KEY_FILE_PERMISSIONS');
    chmodSync(path, 0o640);
    expect(codeThrownBy(() => readSigningKeyFile(path))).toBe('KEY_FILE_PERMISSIONS');
    zero(secretKey);
  });

  it('refuses a key file whose public key is not the secret key\'s', () => {
    const { secretKey } = generateSigningKeyPair();
    const other = generateSigningKeyPair();
    const path = join(dir, 'mixed.key');
    writeSigningKeyFile(path, 'k', secretKey);
    const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    const tampered = writeRaw('tampered.key', JSON.stringify({ ...file, publicKey: other.publicKey.toString('base64') }));
    expect(codeThrownBy(() => readSigningKeyFile(tampered))).toBe('INVALID_KEY_FILE');
    zero(secretKey);
    zero(other.secretKey);
  });

  const valid = () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const file = { keyId: 'k', alg: 'ed25519', publicKey: publicKey.toString('base64'), secretKey: secretKey.toString('base64') };
    zero(secretKey);
    return file;
  };
  it.each([
    ['not JSON', () => 'nope'],
    ['a JSON array', () => '[]'],
    ['another algorithm', () => JSON.stringify({ ...valid(), alg: 'rsa' })],
    ['an empty keyId', () => JSON.stringify({ ...valid(), keyId: '' })],
    ['a 32-byte secret key', () => JSON.stringify({ ...valid(), secretKey: Buffer.alloc(32, 1).toString('base64') })],
    ['base64url instead of base64', () => JSON.stringify({ ...valid(), secretKey: `${'-_'.repeat(43)}==` })],
  ])('refuses %s as INVALID_KEY_FILE', (_name, content) => {
    expect(codeThrownBy(() => readSigningKeyFile(writeRaw('bad.key', content())))).toBe('INVALID_KEY_FILE');
  });

  it('refuses to write a key that is not 64 bytes', () => {
    expect(codeThrownBy(() => writeSigningKeyFile(join(dir, 'short.key'), 'k', Buffer.alloc(32)))).toBe('INVALID_SECRET_KEY');
  });
});
