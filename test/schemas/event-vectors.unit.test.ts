// Every golden event survives Avro unchanged: same logical JSON, same hash. That includes
// ProviderKeyStored, whose sealed secret {v, kid, kv, n, ct} is the SealedValue record of
// schemas/events/ProviderKeyStored.v1.avsc.
import { describe, expect, it } from 'vitest';
import { ChainVerifier } from '../../domain/chain/chain-verifier.ts';
import { eventHash } from '../../domain/chain/event-hash.ts';
import { decodeEvent, decodePayload, encodeEvent, encodePayload } from '../../schemas/codec.ts';
import type { HashedEvent } from '../../domain/logical.ts';
import { eventsByTenant, tenantVectors, vectorEvents } from '../fixtures/vectors.ts';

const EVENTS = vectorEvents();

function split(event: HashedEvent) {
  const { hash, ...logical } = event;
  return { logical, hash };
}

describe('golden events through EventEnvelope v1', () => {
  it('have a schema for every event type they use', () => {
    expect(new Set(EVENTS.map((e) => e.type))).toStrictEqual(
      new Set(['TenantCreated', 'MemberAdded', 'MemberRoleChanged', 'MemberRemoved', 'ProviderKeyStored']),
    );
  });

  for (const event of EVENTS) {
    it(`${event.tenantId.slice(0, 8)} seq ${event.seq} ${event.type}: identical JSON and hash`, () => {
      const { logical, hash } = split(event);
      const decoded = decodeEvent(encodeEvent(logical, hash));
      expect(decoded.event).toStrictEqual(logical);
      expect(decoded.carriedHash).toBe(hash);
      expect(eventHash(decoded.event)).toBe(hash);
    });
  }

  it('a whole tenant chain verifies from its Avro records', () => {
    const tenant = '0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f6'; // the chain with no ProviderKeyStored event
    const verifier = new ChainVerifier(tenant);
    for (const event of eventsByTenant(EVENTS).get(tenant)!) {
      const { logical, hash } = split(event);
      const { event: decoded, carriedHash } = decodeEvent(encodeEvent(logical, hash));
      expect(verifier.push(decoded, carriedHash)).toBeNull();
    }
    expect(verifier.head).toEqual({ seq: 3, hash: '26821ff2cf41cfe512bcddcc241a402319679b56098c41efb93b88adbc258a0f' });
  });

  it('every tenant chain, ProviderKeyStored included, verifies from its Avro records to the vector head', () => {
    for (const { tenantId, size, head } of tenantVectors()) {
      const verifier = new ChainVerifier(tenantId);
      for (const event of eventsByTenant(EVENTS).get(tenantId)!) {
        const { logical, hash } = split(event);
        const { event: decoded, carriedHash } = decodeEvent(encodeEvent(logical, hash));
        expect(verifier.push(decoded, carriedHash)).toBeNull();
      }
      expect(verifier.head).toEqual({ seq: size, hash: head });
    }
  });
});

describe('the golden ProviderKeyStored vector through schemas/events/ProviderKeyStored.v1.avsc', () => {
  const vectors = EVENTS.filter((e) => e.type === 'ProviderKeyStored');

  it('appears in two tenants', () => {
    expect(vectors).toHaveLength(2);
  });

  for (const event of vectors) {
    it(`${event.tenantId.slice(0, 8)} seq ${event.seq}: the payload record decodes to exactly the vector's payload`, () => {
      const decoded = decodePayload(encodePayload('ProviderKeyStored', 1, event.payload));
      expect(decoded).toStrictEqual({ type: 'ProviderKeyStored', version: 1, group: 'events', payload: event.payload });
      expect(Object.keys(decoded.payload).sort()).toStrictEqual(['mask', 'provider', 'secret', 'userId']);
      expect(Object.keys(decoded.payload['secret'] as object).sort()).toStrictEqual(['ct', 'kid', 'kv', 'n', 'v']);
    });
    it(`${event.tenantId.slice(0, 8)} seq ${event.seq}: the hash is unchanged after the envelope round trip`, () => {
      const { logical, hash } = split(event);
      expect(eventHash(logical)).toBe(hash);
      expect(eventHash(decodeEvent(encodeEvent(logical, hash)).event)).toBe(hash);
    });
  }
});
