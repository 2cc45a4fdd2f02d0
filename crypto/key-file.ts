// Producer signing keys on disk. Format (one JSON object, UTF-8):
//   { "keyId": "<producer key id>", "alg": "ed25519",
//     "publicKey": "<base64, 32 bytes>", "secretKey": "<base64, 64 bytes: seed ‖ public key>" }
// written 0600 with exclusive create; a file that group or others can access is refused on
// read, as ssh does. The secret is decoded straight into sodium secure memory and every
// Buffer that held it is zeroed; the JS strings JSON.parse makes cannot be zeroed (V8 owns
// them), which is why the window between read and parse is kept this short.
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, publicKeyOf } from './ed25519.ts';
import { CryptoError } from './errors.ts';
import { type SecureBuffer, allocSecure, zero } from './secure-memory.ts';

export const KEY_FILE_MODE = 0o600;

export interface SigningKey {
  keyId: string;
  publicKey: Buffer;
  secretKey: SecureBuffer;
}

// RFC 4648 §4 with padding, exact lengths: 32 bytes → 44 chars, 64 bytes → 88 chars.
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;
const BASE64_64_BYTES = /^[A-Za-z0-9+/]{86}==$/;

export function writeSigningKeyFile(path: string, keyId: string, secretKey: Uint8Array): void {
  if (keyId.length === 0) throw new CryptoError('INVALID_KEY_FILE', 'keyId must not be empty');
  const publicKey = publicKeyOf(secretKey); // also checks the secret key's length
  const text = JSON.stringify({
    keyId,
    alg: 'ed25519',
    publicKey: publicKey.toString('base64'),
    secretKey: Buffer.from(secretKey.buffer, secretKey.byteOffset, secretKey.byteLength).toString('base64'),
  });
  const bytes = Buffer.from(`${text}\n`, 'utf8');
  let fd: number;
  try {
    fd = openSync(path, 'wx', KEY_FILE_MODE);
  } catch (cause) {
    zero(bytes);
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CryptoError('KEY_FILE_EXISTS', `refusing to overwrite the key file ${path}`, { cause });
    }
    throw cause;
  }
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    zero(bytes);
  }
}

export function readSigningKeyFile(path: string): SigningKey {
  const fd = openSync(path, 'r');
  let raw: Buffer;
  try {
    const mode = fstatSync(fd).mode;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new CryptoError(
        'KEY_FILE_PERMISSIONS',
        `key file ${path} has mode ${(mode & 0o777).toString(8)}; run chmod 600 on it`,
      );
    }
    raw = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw new CryptoError('INVALID_KEY_FILE', `key file ${path} is not JSON`, { cause });
  } finally {
    zero(raw);
  }
  return signingKeyFromJson(parsed, path);
}

function signingKeyFromJson(parsed: unknown, path: string): SigningKey {
  const invalid = (what: string) => new CryptoError('INVALID_KEY_FILE', `key file ${path}: ${what}`);
  if (typeof parsed !== 'object' || parsed === null) throw invalid('not a JSON object');
  const file = parsed as Record<string, unknown>;
  if (typeof file.keyId !== 'string' || file.keyId.length === 0) throw invalid('keyId must be a non-empty string');
  if (file.alg !== 'ed25519') throw invalid('alg must be "ed25519"');
  if (typeof file.publicKey !== 'string' || !BASE64_32_BYTES.test(file.publicKey)) {
    throw invalid(`publicKey must be base64 of ${PUBLIC_KEY_BYTES} bytes`);
  }
  if (typeof file.secretKey !== 'string' || !BASE64_64_BYTES.test(file.secretKey)) {
    throw invalid(`secretKey must be base64 of ${SECRET_KEY_BYTES} bytes`);
  }
  const decoded = Buffer.from(file.secretKey, 'base64');
  const secretKey = allocSecure(SECRET_KEY_BYTES);
  decoded.copy(secretKey);
  zero(decoded);
  const publicKey = Buffer.from(file.publicKey, 'base64');
  if (!publicKeyOf(secretKey).equals(publicKey)) {
    zero(secretKey);
    throw invalid('publicKey does not belong to secretKey');
  }
  return { keyId: file.keyId, publicKey, secretKey };
}
