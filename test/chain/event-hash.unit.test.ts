import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../domain/chain/chain-verifier.ts';
import { GENESIS_HASH, canonicalEventText, eventHash } from '../../domain/chain/event-hash.ts';
import { jcs } from '../../domain/chain/jcs.ts';
import { sha256, sha256HexOfText } from '../../domain/chain/sha256.ts';
import { anchorVector, copy, eventsByTenant, tenantVectors, vectorEvents } from '../fixtures/vectors.ts';

describe('sha256 (libsodium)', () => {
  it('matches the FIPS 180-2 "abc" example and Node crypto', () => {
    expect(sha256(Buffer.from('abc')).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const text = 'Acme Åb — 😀';
    expect(sha256HexOfText(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });
});

describe('eventHash over the golden events (vectors/events.jsonl)', () => {
  const events = vectorEvents();

  it('has events of three tenants to check', () => {
    expect(events).toHaveLength(12);
    expect(eventsByTenant(events).size).toBe(3);
  });

  for (const event of events) {
    it(`recomputes ${event.tenantId.slice(0, 8)} seq ${event.seq} ${event.type}`, () => {
      expect(eventHash(event)).toBe(event.hash);
    });
  }

  it('hashes the ten logical fields only: the exported `hash` member is not part of it', () => {
    const event = events[0]!;
    const { hash: _hash, ...logical } = event;
    expect(canonicalEventText(event)).toBe(canonicalEventText(logical));
    expect(canonicalEventText(event)).not.toContain('"hash"');
  });

  it('does not depend on the key order of the event', () => {
    const event = events[1]!;
    const reversed = Object.fromEntries(Object.entries(event).reverse()) as typeof event;
    expect(eventHash(reversed)).toBe(event.hash);
  });

  it('starts every chain at 64 zeros', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    for (const event of events.filter((e) => e.seq === 1)) expect(event.prevHash).toBe(GENESIS_HASH);
  });
});

describe('the golden chains verify, and their heads match vectors/tenants.json', () => {
  const byTenant = eventsByTenant();
  for (const tenant of tenantVectors()) {
    it(`tenant ${tenant.tenantId}: ${tenant.size} events`, () => {
      const verdict = verifyChain(tenant.tenantId, copy(byTenant.get(tenant.tenantId) ?? []));
      expect(verdict).toEqual({ ok: true, head: { seq: tenant.size, hash: tenant.head } });
    });
  }
});

describe('the anchor leaves of vectors/anchor.json use the same JCS and SHA-256', () => {
  it('leaf input = SHA-256(JCS({tenantId, size, root}))', () => {
    for (const leaf of anchorVector().checkpointLeaves) {
      const text = jcs({ tenantId: leaf.tenantId, size: leaf.size, root: leaf.root });
      expect(sha256HexOfText(text)).toBe(leaf.leafInput);
    }
  });
});
