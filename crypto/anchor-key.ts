// The anchor signing key: an Ed25519 key file in crypto/key-file.ts's format (0600, refused when
// group- or world-readable), where the configuration says (deploy/config/anchors.ts), which
// `palisade stack up` creates for local use. Beside it, <name>.pub holds the base64 public key,
// so auditors and `palisade audit` can pin the key without read access to the secret. The secret
// lives in sodium secure memory and is never logged.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateSigningKeyPair } from './ed25519.ts';
import { writeSigningKeyFile } from './key-file.ts';
import { verifierKeyString } from './note.ts';
import { zero } from './secure-memory.ts';

export const ANCHOR_KEY_ID = 'palisade-anchors';

export function publicKeyFileOf(keyFile: string): string {
  return keyFile.endsWith('.json') ? `${keyFile.slice(0, -'.json'.length)}.pub` : `${keyFile}.pub`;
}

/** Creates the local anchor key pair unless it exists; returns whether it did. For `palisade stack up`. */
export function ensureAnchorKeyFile(keyFile: string): { created: boolean; keyFile: string; publicKeyFile: string } {
  const publicKeyFile = publicKeyFileOf(keyFile);
  if (existsSync(keyFile)) return { created: false, keyFile, publicKeyFile };
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  const pair = generateSigningKeyPair();
  try {
    writeSigningKeyFile(keyFile, ANCHOR_KEY_ID, pair.secretKey);
  } finally {
    zero(pair.secretKey);
  }
  writeFileSync(publicKeyFile, `${pair.publicKey.toString('base64')}\n`, { mode: 0o644 });
  return { created: true, keyFile, publicKeyFile };
}

/** The verifier key string of the key beside `keyFile` (its .pub file), or undefined when there is none. */
export function readAnchorVerifierKey(keyFile: string, origin: string): string | undefined {
  const file = publicKeyFileOf(keyFile);
  if (!existsSync(file)) return undefined;
  const publicKey = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  return verifierKeyString(origin, publicKey);
}
