// C2SP signed notes (https://c2sp.org/signed-note), Ed25519 only: how anchors are published,
// so any existing note verifier (Go's golang.org/x/mod/sumdb/note, tlog tooling) can check them.
//
//   <text, ending in "\n">
//   <blank line>
//   — <key name> <base64(4-byte key ID ‖ 64-byte signature)>
//
// The signed message is the text including its final newline, without the blank line.
import { sha256 } from '../domain/chain/sha256.ts';
import { isWellFormed } from '../domain/chain/well-formed.ts';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, publicKeyOf, sign, verify } from './ed25519.ts';
import { CryptoError } from './errors.ts';

const ED25519_SIGNATURE_TYPE = 0x01;
const KEY_ID_BYTES = 4;
const SIGNATURE_LINE_PREFIX = '\u2014 '; // em dash, space
// The spec requires accepting at least 16; more than this is treated as a malformed note.
const MAX_SIGNATURES = 100;
// Control characters other than newline are forbidden anywhere in a note.
const FORBIDDEN_CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
// Key names: non-empty, no Unicode space (\s covers Unicode White_Space) and no '+'.
const VALID_KEY_NAME = /^[^\s+]+$/u;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface NoteVerifierKey {
  name: string;
  keyId: Buffer; // 4 bytes
  publicKey: Buffer; // 32 bytes
}

export type NoteFailureCode =
  | 'MALFORMED_NOTE' // not a signed note, or a signature line that cannot be parsed
  | 'NO_KNOWN_SIGNATURE' // no signature by the verifier's key
  | 'BAD_SIGNATURE'; // a signature by the verifier's key that does not verify: reject the note

export type NoteVerification = { ok: true; text: string } | { ok: false; code: NoteFailureCode };

/** key ID = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4] */
export function noteKeyId(name: string, publicKey: Uint8Array): Buffer {
  const input = Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.of(ED25519_SIGNATURE_TYPE), publicKey]);
  return sha256(input).subarray(0, KEY_ID_BYTES);
}

/** The verifier key string "<name>+<hex key ID>+<base64(0x01 ‖ public key)>" (as Go's note.NewVerifier). */
export function verifierKeyString(name: string, publicKey: Uint8Array): string {
  assertKeyName(name);
  if (publicKey.byteLength !== PUBLIC_KEY_BYTES) {
    throw new CryptoError('INVALID_VERIFIER_KEY', `an Ed25519 public key is ${PUBLIC_KEY_BYTES} bytes`);
  }
  const keyData = Buffer.concat([Buffer.of(ED25519_SIGNATURE_TYPE), publicKey]).toString('base64');
  return `${name}+${noteKeyId(name, publicKey).toString('hex')}+${keyData}`;
}

export function parseVerifierKey(verifierKey: string): NoteVerifierKey {
  const invalid = (what: string) => new CryptoError('INVALID_VERIFIER_KEY', `verifier key: ${what}`);
  // Split at the first two '+' only: the base64 key may itself contain '+'.
  const first = verifierKey.indexOf('+');
  const second = verifierKey.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw invalid('expected "<name>+<hex key ID>+<base64 key>"');
  const name = verifierKey.slice(0, first);
  const idHex = verifierKey.slice(first + 1, second);
  const keyData = verifierKey.slice(second + 1);
  if (!VALID_KEY_NAME.test(name)) throw invalid('invalid key name');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw invalid('key ID must be 8 lowercase hex digits');
  if (!BASE64.test(keyData)) throw invalid('key is not base64');
  const key = Buffer.from(keyData, 'base64');
  if (key.length !== 1 + PUBLIC_KEY_BYTES || key[0] !== ED25519_SIGNATURE_TYPE) throw invalid('not an Ed25519 key');
  const publicKey = key.subarray(1);
  const keyId = noteKeyId(name, publicKey);
  if (keyId.toString('hex') !== idHex) throw invalid('key ID does not match name and key');
  return { name, keyId, publicKey };
}

/** Signs `text` (which must end in "\n") as a note with a single Ed25519 signature. */
export function signNote(text: string, name: string, secretKey: Uint8Array): string {
  assertKeyName(name);
  if (!text.endsWith('\n') || !isWellFormed(text) || FORBIDDEN_CONTROL.test(text)) {
    throw new CryptoError('INVALID_NOTE_TEXT', 'note text must be well-formed, end in "\\n" and have no control characters but newline');
  }
  const keyId = noteKeyId(name, publicKeyOf(secretKey));
  const signature = sign(Buffer.from(text, 'utf8'), secretKey);
  return `${text}\n${SIGNATURE_LINE_PREFIX}${name} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
}

/**
 * Verifies `note` against one trusted key. Signatures by other keys are ignored, as the spec
 * requires; a signature by this key that fails rejects the whole note. Use only the returned
 * text: nothing in an unverified note may be trusted.
 */
export function verifyNote(note: string, verifierKey: string | NoteVerifierKey): NoteVerification {
  const key = typeof verifierKey === 'string' ? parseVerifierKey(verifierKey) : verifierKey;
  if (!isWellFormed(note) || FORBIDDEN_CONTROL.test(note)) return { ok: false, code: 'MALFORMED_NOTE' };
  // The text is separated from the signatures by the LAST blank line (the text may hold blank lines).
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return { ok: false, code: 'MALFORMED_NOTE' };
  const text = note.slice(0, split + 1);
  const signatureBlock = note.slice(split + 2);
  if (!signatureBlock.endsWith('\n')) return { ok: false, code: 'MALFORMED_NOTE' };
  const lines = signatureBlock.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) return { ok: false, code: 'MALFORMED_NOTE' };

  let verified = false;
  for (const line of lines) {
    const parsed = parseSignatureLine(line);
    if (parsed === null) return { ok: false, code: 'MALFORMED_NOTE' };
    if (parsed.name !== key.name || !parsed.keyId.equals(key.keyId)) continue; // another signer
    if (verified) return { ok: false, code: 'MALFORMED_NOTE' }; // the same key twice
    if (parsed.signature.length !== SIGNATURE_BYTES || !verify(Buffer.from(text, 'utf8'), parsed.signature, key.publicKey)) {
      return { ok: false, code: 'BAD_SIGNATURE' };
    }
    verified = true;
  }
  return verified ? { ok: true, text } : { ok: false, code: 'NO_KNOWN_SIGNATURE' };
}

function parseSignatureLine(line: string): { name: string; keyId: Buffer; signature: Buffer } | null {
  if (!line.startsWith(SIGNATURE_LINE_PREFIX)) return null;
  const rest = line.slice(SIGNATURE_LINE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) return null;
  const name = rest.slice(0, space);
  const encoded = rest.slice(space + 1);
  if (!VALID_KEY_NAME.test(name) || !BASE64.test(encoded)) return null;
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length <= KEY_ID_BYTES) return null;
  return { name, keyId: bytes.subarray(0, KEY_ID_BYTES), signature: bytes.subarray(KEY_ID_BYTES) };
}

function assertKeyName(name: string): void {
  if (!VALID_KEY_NAME.test(name)) {
    throw new CryptoError('INVALID_KEY_NAME', 'a note key name is non-empty, without spaces or "+"');
  }
}
