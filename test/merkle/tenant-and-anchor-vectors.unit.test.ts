// Per-tenant roots (vectors/tenants.json: leaf input = the 32 raw bytes of each event hash) and
// the global anchor (vectors/anchor.json: leaf input = SHA-256(JCS({tenantId,size,root})),
// tenantId order), both from the independent implementation.
import { describe, expect, it } from 'vitest';
import { AnchorTree, anchorNoteText, checkpointLeafHash, checkpointLeafInput, parseAnchorNoteText } from '../../domain/merkle/anchor.ts';
import { CompactRange } from '../../domain/merkle/compact-range.ts';
import { leafHash } from '../../domain/merkle/hash.ts';
import { verifyInclusion } from '../../domain/merkle/verify.ts';
import { verifyNote } from '../../crypto/note.ts';
import { anchorNote, anchorVector, eventsByTenant, tenantVectors } from '../fixtures/vectors.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS_DIR } from '../fixtures/vectors.ts';

const ANCHOR = anchorVector();
const INCLUSION = (JSON.parse(readFileSync(join(VECTORS_DIR, 'anchor.json'), 'utf8')) as { inclusion: { tenantId: string; index: number; path: string[] }[] }).inclusion;
const BY_TENANT = eventsByTenant();

describe('per-tenant trees (vectors/tenants.json)', () => {
  it.each(tenantVectors())('tenant $tenantId: $size events, root $root', ({ tenantId, size, head, root }) => {
    const events = BY_TENANT.get(tenantId)!;
    expect(events).toHaveLength(size);
    expect(events.at(-1)!.hash).toBe(head);
    const range = CompactRange.empty();
    for (const event of events) range.append(leafHash(Buffer.from(event.hash, 'hex')));
    expect(range.root().toString('hex')).toBe(root);
  });
});

describe('the global anchor (vectors/anchor.json)', () => {
  const checkpoints = ANCHOR.checkpointLeaves.map(({ tenantId, size, root }) => ({ tenantId, size, root }));

  it.each(ANCHOR.checkpointLeaves)('checkpoint leaf input of $tenantId', (leaf) => {
    expect(checkpointLeafInput(leaf).toString('hex')).toBe(leaf.leafInput);
  });

  it('has the vector root whatever order the checkpoints come in', () => {
    expect(new AnchorTree(checkpoints).root.toString('hex')).toBe(ANCHOR.root);
    expect(new AnchorTree([...checkpoints].reverse()).root.toString('hex')).toBe(ANCHOR.root);
  });

  it.each(INCLUSION)('inclusion of $tenantId at index $index equals the vector and verifies', ({ tenantId, index, path }) => {
    const tree = new AnchorTree(checkpoints);
    expect(tree.leafIndexOf(tenantId)).toBe(index);
    expect(tree.inclusionProof(tenantId).map((h) => h.toString('hex'))).toEqual(path);
    const checkpoint = checkpoints.find((c) => c.tenantId === tenantId)!;
    const proof = path.map((h) => Buffer.from(h, 'hex'));
    expect(verifyInclusion(checkpointLeafHash(checkpoint), index, 3, proof, Buffer.from(ANCHOR.root, 'hex'))).toBe(true);
    // Another tenant's checkpoint does not verify with this path: proofs are not transferable.
    const other = checkpoints.find((c) => c.tenantId !== tenantId)!;
    expect(verifyInclusion(checkpointLeafHash({ ...other, tenantId }), index, 3, proof, Buffer.from(ANCHOR.root, 'hex'))).toBe(false);
  });

  it('writes the text of vectors/anchor.note and parses it back', () => {
    const text = anchorNoteText({ origin: ANCHOR.origin, size: 3, root: Buffer.from(ANCHOR.root, 'hex') });
    const verified = verifyNote(anchorNote(), ANCHOR.verifierKey);
    expect(verified).toEqual({ ok: true, text });
    expect(parseAnchorNoteText(text)).toEqual({ origin: ANCHOR.origin, size: 3, root: Buffer.from(ANCHOR.root, 'hex') });
  });
});
