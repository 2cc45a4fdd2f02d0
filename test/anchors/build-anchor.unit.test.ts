// The anchorer's pure core: tenant trees as compact ranges, the signed global anchor, and the
// refusal to anchor a tree that does not extend its previous checkpoint.
import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../crypto/ed25519.ts';
import { noteKeyId, verifierKeyString, verifyNote } from '../../crypto/note.ts';
import { AnchorTree, checkpointLeafHash, parseAnchorNoteText } from '../../domain/merkle/anchor.ts';
import { leafHash } from '../../domain/merkle/hash.ts';
import { consistencyProof, merkleRoot } from '../../domain/merkle/tree.ts';
import { verifyConsistency, verifyInclusion } from '../../domain/merkle/verify.ts';
import { buildAnchor } from '../../projections/anchors/build-anchor.ts';
import { TenantTree } from '../../projections/anchors/tenant-tree.ts';
import { codeThrownBy } from '../fixtures/errors.ts';
import { tenantVectors, eventsByTenant } from '../fixtures/vectors.ts';
import { nodeVerifies } from '../crypto/node-ed25519.ts';
import { chainedEvents } from '../audit/fixtures/events.ts';
import type { HashedEvent } from '../../domain/logical.ts';

const A = '0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f6';
const B = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
const ORIGIN = 'palisade.test/anchors';

function feed(tree: TenantTree, events: readonly HashedEvent[]): void {
  for (const e of events) expect(tree.push(e, e.hash)).toBe('appended');
}

describe('TenantTree', () => {
  it.each(tenantVectors())('has the vector root for tenant $tenantId', ({ tenantId, root }) => {
    const tree = TenantTree.empty(tenantId);
    for (const e of eventsByTenant().get(tenantId)!) tree.push(e, e.hash);
    expect(tree.root().toString('hex')).toBe(root);
  });

  it('skips a redelivered head, and halts at a broken chain keeping its valid prefix', () => {
    const events = chainedEvents(A, 6);
    const tree = TenantTree.empty(A);
    feed(tree, events.slice(0, 4));
    expect(tree.push(events[3]!, events[3]!.hash)).toBe('duplicate');
    expect(tree.push(events[5]!, events[5]!.hash)).toMatchObject({ halted: expect.stringContaining('CHAIN_GAP at seq 5'), anomaly: { code: 'CHAIN_GAP' } });
    expect(tree.push(events[4]!, events[4]!.hash)).toEqual({ halted: expect.stringContaining('CHAIN_GAP') });
    expect(tree.size).toBe(4);
  });

  it('halts at an older seq delivered again (it cannot be told from a forged one), and resumes after a release', () => {
    const events = chainedEvents(A, 6);
    const tree = TenantTree.empty(A);
    feed(tree, events.slice(0, 4));
    expect(tree.push(events[2]!, events[2]!.hash)).toMatchObject({ anomaly: { code: 'CHAIN_DUPLICATE' } });
    tree.resume();
    expect(tree.push(events[4]!, events[4]!.hash)).toBe('appended');
    expect(tree.size).toBe(5);
  });

  it('resumes from its stored row and continues the same tree', () => {
    const events = chainedEvents(A, 11);
    const first = TenantTree.empty(A);
    feed(first, events.slice(0, 7));
    const row = first.rowAt(1);
    const resumed = TenantTree.resume(row);
    feed(resumed, events.slice(7));
    const leaves = events.map((e) => leafHash(Buffer.from(e.hash, 'hex')));
    expect(resumed.root()).toEqual(merkleRoot(leaves));
    expect(resumed.consistencyProof()).toEqual(consistencyProof(leaves, 7));
  });

  it('refuses a stored row whose compact range does not give its root', () => {
    const tree = TenantTree.empty(A);
    feed(tree, chainedEvents(A, 5));
    const row = tree.rowAt(1);
    expect(codeThrownBy(() => TenantTree.resume({ ...row, root: Buffer.alloc(32) }))).toBe('STATE_CORRUPT');
  });
});

describe('buildAnchor', () => {
  const { publicKey, secretKey } = generateSigningKeyPair();
  const signer = { origin: ORIGIN, secretKey };

  it('returns null when no tenant changed', () => {
    expect(buildAnchor(1, [TenantTree.empty(A)], signer)).toBeNull();
  });

  it('signs a C2SP note that libsodium AND Node\'s own Ed25519 verify, over the tree of every tenant\'s latest checkpoint', () => {
    const a = TenantTree.empty(A);
    const b = TenantTree.empty(B);
    feed(a, chainedEvents(A, 3));
    feed(b, chainedEvents(B, 5));
    const draft = buildAnchor(1, [b, a], signer)!;
    const verified = verifyNote(draft.note, verifierKeyString(ORIGIN, publicKey));
    expect(verified.ok).toBe(true);
    const text = draft.note.slice(0, draft.note.lastIndexOf('\n\n') + 1);
    const signature = Buffer.from(draft.note.trimEnd().split(' ').at(-1)!, 'base64');
    expect(signature.subarray(0, 4)).toEqual(noteKeyId(ORIGIN, publicKey));
    expect(nodeVerifies(Buffer.from(text), signature.subarray(4), publicKey)).toBe(true);
    const anchor = parseAnchorNoteText(text);
    expect(anchor).toEqual({ origin: ORIGIN, size: 2, root: draft.root });
    for (const c of draft.checkpoints) {
      const leaf = checkpointLeafHash({ tenantId: c.tenantId, size: c.size, root: c.root.toString('hex') });
      expect(verifyInclusion(leaf, c.leafIndex, 2, c.inclusion, anchor.root)).toBe(true);
    }
    expect(draft.checkpoints.map((c) => [c.tenantId, c.leafIndex])).toEqual([[B, 1], [A, 0]]);
  });

  it('checkpoints only changed tenants but keeps unchanged ones as leaves; consistency proofs link checkpoints', () => {
    const a = TenantTree.empty(A);
    const b = TenantTree.empty(B);
    const eventsA = chainedEvents(A, 9);
    feed(a, eventsA.slice(0, 4));
    feed(b, chainedEvents(B, 2));
    const first = buildAnchor(1, [a, b], signer)!;
    a.markCheckpointed(1);
    b.markCheckpointed(1);
    feed(a, eventsA.slice(4));
    const second = buildAnchor(2, [a, b], signer)!;
    expect(second.checkpoints.map((c) => c.tenantId)).toEqual([A]);
    expect(second.treeSize).toBe(2);
    const [c] = second.checkpoints;
    expect(c).toMatchObject({ size: 9, previousSize: 4 });
    expect(verifyConsistency(4, 9, first.checkpoints[0]!.root, c!.root, c!.consistency)).toBe(true);
    const expectedTree = new AnchorTree([
      { tenantId: A, size: 9, root: c!.root.toString('hex') },
      { tenantId: B, size: 2, root: first.checkpoints[1]!.root.toString('hex') },
    ]);
    expect(second.root).toEqual(expectedTree.root);
  });

  it('refuses to anchor a tree whose consistency proof does not hold (INCONSISTENT_TREE)', () => {
    const honest = TenantTree.empty(A);
    feed(honest, chainedEvents(A, 5));
    const forking = {
      tenantId: A, changed: true, size: 5, checkpointedSize: 2,
      root: () => honest.root(), checkpointedRoot: () => Buffer.alloc(32, 7), consistencyProof: () => honest.consistencyProof(),
      rowAt: (seq: number) => honest.rowAt(seq),
    } as unknown as TenantTree;
    expect(codeThrownBy(() => buildAnchor(3, [forking], signer))).toBe('INCONSISTENT_TREE');
  });
});
