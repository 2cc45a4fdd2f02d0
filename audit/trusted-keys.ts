// Which keys an auditor trusts anchors to be signed by. Pinned keys (given on the command line
// or in PALISADE_ANCHOR_VERIFIER_KEY) come first; otherwise the deployment's own public key file;
// only as a last resort the keys recorded beside the anchors, which an attacker who controls the
// records could have chosen, so the result says where the keys came from.
import { parseVerifierKey, type NoteVerifierKey } from '../crypto/note.ts';

export type KeySource = 'pinned' | 'key-file' | 'recorded';

export interface TrustedKeys {
  readonly keys: NoteVerifierKey[];
  /** The same keys as C2SP verifier key strings. */
  readonly strings: string[];
  readonly source: KeySource;
}

export function chooseTrustedKeys(pinned: readonly string[], keyFileKey: string | undefined, recorded: readonly string[]): TrustedKeys {
  const trust = (strings: readonly string[], source: KeySource): TrustedKeys => ({ keys: strings.map(parseVerifierKey), strings: [...strings], source });
  if (pinned.length > 0) return trust(pinned, 'pinned');
  if (keyFileKey !== undefined) return trust([keyFileKey], 'key-file');
  return trust(recorded, 'recorded');
}
