// The text encodings the vault writes, each with a strict decoder that accepts only the
// canonical spelling, so a value has exactly one representation (a flipped character never
// decodes to the same bytes).

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * base64url without padding (RFC 4648 §5; RFC 7515 §2). The sealed-value vector in
 * test/fixtures/vectors/events.jsonl writes `ct` unpadded (16 bytes → 22 characters); its
 * characters are in both alphabets, so the alphabet is our decision: the URL-safe one, as JOSE
 * does for unpadded base64 (documented in crypto/vault/README.md).
 */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** The bytes, or undefined unless `text` is the canonical unpadded base64url of them. */
export function fromBase64Url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Rejects non-zero trailing bits ("q83vEjRWeJCrze8SNFZ4kB" would decode like "...kA").
  return bytes.toString('base64url') === text ? bytes : undefined;
}

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Lowercase hex only, even length; undefined otherwise. */
export function fromHex(text: string): Buffer | undefined {
  return HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
}
