import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../crypto/ed25519.ts';
import { noteKeyId, parseVerifierKey, signNote, verifierKeyString, verifyNote } from '../../crypto/note.ts';
import { zero } from '../../crypto/secure-memory.ts';
import { codeThrownBy } from '../fixtures/errors.ts';
import { anchorNote, anchorVector } from '../fixtures/vectors.ts';
import { nodeVerifies } from './node-ed25519.ts';

const ANCHOR = anchorVector();
const NOTE = anchorNote();
const VECTOR_KEY = Buffer.from(ANCHOR.publicKeyHex, 'hex');

describe('the golden anchor note (vectors/anchor.note)', () => {
  it('verifies under the verifier key of anchor.json', () => {
    const result = verifyNote(NOTE, ANCHOR.verifierKey);
    expect(result).toEqual({ ok: true, text: `${ANCHOR.origin}\n3\n${Buffer.from(ANCHOR.root, 'hex').toString('base64')}\n` });
  });

  it('derives the same verifier key string and key ID from the public key', () => {
    expect(verifierKeyString(ANCHOR.origin, VECTOR_KEY)).toBe(ANCHOR.verifierKey);
    expect(noteKeyId(ANCHOR.origin, VECTOR_KEY).toString('hex')).toBe(ANCHOR.verifierKey.split('+')[1]);
    expect(parseVerifierKey(ANCHOR.verifierKey)).toMatchObject({ name: ANCHOR.origin, publicKey: VECTOR_KEY });
  });

  it('carries a signature that Node crypto verifies over the text before the blank line', () => {
    const separator = NOTE.lastIndexOf('\n\n\u2014 ');
    const text = NOTE.slice(0, separator + 1);
    const signatureLine = NOTE.slice(separator + 2).trimEnd();
    const bytes = Buffer.from(signatureLine.split(' ')[2]!, 'base64');
    expect(bytes).toHaveLength(68);
    expect(bytes.subarray(0, 4).toString('hex')).toBe(noteKeyId(ANCHOR.origin, VECTOR_KEY).toString('hex'));
    expect(nodeVerifies(Buffer.from(text), bytes.subarray(4), VECTOR_KEY)).toBe(true);
  });

  it('fails BAD_SIGNATURE when one character of the text changes', () => {
    expect(verifyNote(NOTE.replace('\n3\n', '\n4\n'), ANCHOR.verifierKey)).toEqual({ ok: false, code: 'BAD_SIGNATURE' });
  });

  it('fails NO_KNOWN_SIGNATURE for another key, even one with the same name', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    expect(verifyNote(NOTE, verifierKeyString(ANCHOR.origin, publicKey))).toEqual({ ok: false, code: 'NO_KNOWN_SIGNATURE' });
    expect(verifyNote(NOTE, verifierKeyString('palisade.test/other', VECTOR_KEY))).toEqual({ ok: false, code: 'NO_KNOWN_SIGNATURE' });
    zero(secretKey);
  });
});

describe('signNote', () => {
  const TEXT = 'palisade.test/anchors\n7\nq83vEjRWeJCrze8SNFZ4kA==\n';

  it('writes a note that verifyNote and Node crypto accept', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const note = signNote(TEXT, 'palisade.test/anchors', secretKey);
    expect(note).toMatch(/^palisade\.test\/anchors\n7\nq83vEjRWeJCrze8SNFZ4kA==\n\n\u2014 palisade\.test\/anchors [A-Za-z0-9+/]{91}=\n$/);
    expect(verifyNote(note, verifierKeyString('palisade.test/anchors', publicKey))).toEqual({ ok: true, text: TEXT });
    const signature = Buffer.from(note.trimEnd().split(' ').at(-1)!, 'base64');
    expect(nodeVerifies(Buffer.from(TEXT), signature.subarray(4), publicKey)).toBe(true);
    zero(secretKey);
  });

  it('keeps blank lines inside the text: the last blank line separates the signatures', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const text = 'origin\n\nwith a blank line\n';
    expect(verifyNote(signNote(text, 'k', secretKey), verifierKeyString('k', publicKey))).toEqual({ ok: true, text });
    zero(secretKey);
  });

  it('verifies a cosigned note, ignoring the signatures of unknown keys', () => {
    const ours = generateSigningKeyPair();
    const witness = generateSigningKeyPair();
    const signed = signNote(TEXT, 'palisade.test/anchors', ours.secretKey);
    const witnessLine = signNote(TEXT, 'witness.example/w1', witness.secretKey).slice(TEXT.length + 1);
    const cosigned = signed + witnessLine;
    expect(verifyNote(cosigned, verifierKeyString('palisade.test/anchors', ours.publicKey))).toEqual({ ok: true, text: TEXT });
    expect(verifyNote(cosigned, verifierKeyString('witness.example/w1', witness.publicKey))).toEqual({ ok: true, text: TEXT });
    zero(ours.secretKey);
    zero(witness.secretKey);
  });

  it('refuses text that does not end in a newline or holds control characters, and bad key names', () => {
    const { secretKey } = generateSigningKeyPair();
    expect(codeThrownBy(() => signNote('no newline', 'k', secretKey))).toBe('INVALID_NOTE_TEXT');
    expect(codeThrownBy(() => signNote('tab\there\n', 'k', secretKey))).toBe('INVALID_NOTE_TEXT');
    expect(codeThrownBy(() => signNote(TEXT, 'has space', secretKey))).toBe('INVALID_KEY_NAME');
    expect(codeThrownBy(() => signNote(TEXT, 'has+plus', secretKey))).toBe('INVALID_KEY_NAME');
    expect(codeThrownBy(() => signNote(TEXT, '', secretKey))).toBe('INVALID_KEY_NAME');
    zero(secretKey);
  });
});

describe('verifyNote on malformed input', () => {
  const line = NOTE.slice(NOTE.lastIndexOf('\n\n') + 2);
  it.each([
    ['no blank line before the signatures', NOTE.replace('\n\n', '\n')],
    ['no final newline', NOTE.trimEnd()],
    ['a control character', NOTE.replace('palisade', 'pali\u0007sade')],
    ['a signature line without the em dash', NOTE.replace('\u2014 ', '- ')],
    ['a signature that is not base64', NOTE.replace(line, '\u2014 palisade.test/anchors not*base64\n')],
    ['a signature too short for a key ID', NOTE.replace(line, '\u2014 palisade.test/anchors AAAA\n')],
    ['the same key signing twice', NOTE + line],
  ])('rejects a note with %s as MALFORMED_NOTE', (_name, note) => {
    expect(verifyNote(note, ANCHOR.verifierKey)).toEqual({ ok: false, code: 'MALFORMED_NOTE' });
  });

  it.each([
    ['a wrong key ID', ANCHOR.verifierKey.replace('+db6e74c1+', '+db6e74c2+')],
    ['no key ID', `${ANCHOR.origin}+${ANCHOR.verifierKey.split('+')[2]}`],
    ['a non-Ed25519 key type', verifierKeyString(ANCHOR.origin, VECTOR_KEY).replace('+AWfB', '+AmfB')],
  ])('throws INVALID_VERIFIER_KEY for a verifier key with %s', (_name, key) => {
    expect(codeThrownBy(() => verifyNote(NOTE, key))).toBe('INVALID_VERIFIER_KEY');
  });
});
