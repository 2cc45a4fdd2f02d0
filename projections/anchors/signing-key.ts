// The anchorer's signing key, loaded at start: a missing file is NO_SIGNING_KEY, with what to do.
import { existsSync } from 'node:fs';
import { readSigningKeyFile, type SigningKey } from '../../crypto/key-file.ts';
import { AnchorerError } from './errors.ts';

export function loadAnchorSigningKey(keyFile: string): SigningKey {
  if (!existsSync(keyFile)) {
    throw new AnchorerError('NO_SIGNING_KEY', `no anchor signing key at ${keyFile}: run \`palisade stack up\` (creates one for local use) or set PALISADE_ANCHOR_KEY_FILE to an Ed25519 key file`);
  }
  return readSigningKeyFile(keyFile);
}
