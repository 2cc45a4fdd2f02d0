// The one decoder from a stored logical event to a typed TenantEvent (domain/tenant/decode-event.ts):
// every event the deciders produce, sealed as the processor seals it and sent through its Avro
// schema, decodes to exactly itself; a payload that breaks its type's shape is refused with a
// stable code and the field's path, never a throw and never a value in the message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventHash } from '../../domain/chain/event-hash.ts';
import type { JsonObject, JsonValue, LogicalEvent } from '../../domain/logical.ts';
import { commandRejected, decodeTenantEvent, EventDecodeCode, TENANT_EVENT_TYPES, tenantDecider } from '../../domain/tenant/index.ts';
import type { TenantCommand, TenantEvent, TenantState } from '../../domain/tenant/index.ts';
import { decodeEvent, encodeEvent } from '../../schemas/codec.ts';
import { SCHEMAS_DIR } from '../../schemas/registry.ts';
import {
  addMember,
  authorizeSourceQuery,
  changeRole,
  chatTurn,
  connectSource,
  CONV_A,
  createTenant,
  deleteConversation,
  deleteProviderKey,
  deleteTenant,
  disconnectSource,
  eraseUser,
  forgetMemory,
  LEGACY,
  logicalEventOf,
  MEMORY_A,
  MSG_1,
  MSG_2,
  recordFailure,
  recordReply,
  removeMember,
  resealProviderKey,
  resealSourceCredential,
  rotateProviderKey,
  rotateSourceCredential,
  rotateTenantKey,
  providerKeyStored,
  service,
  sourceConnected,
  SOURCE_A,
  SOURCE_B,
  startConversation,
  storeMemory,
  storeProviderKey,
  user,
} from './tenant-fixtures.ts';

const alice = user('alice');
const bob = user('bob');

/**
 * A history that makes the deciders emit every event type (CommandRejected is built by
 * commandRejected). The legacy imports are events as written before imports were sealed at
 * intake (decide no longer emits them, but the log still holds them and re-seals act on them).
 */
const SCRIPT: readonly (TenantCommand | TenantEvent)[] = [
  createTenant(alice),
  addMember(alice, 'bob', 'member'),
  addMember(alice, 'carol', 'member'),
  changeRole(alice, 'carol', 'admin'),
  removeMember(alice, { userId: 'carol', reason: 'left the team' }),
  connectSource(bob, SOURCE_A),
  sourceConnected('bob', SOURCE_B, true),
  rotateSourceCredential(bob, SOURCE_A),
  authorizeSourceQuery(bob, SOURCE_A),
  resealSourceCredential(service(), 'bob', SOURCE_B, 1),
  disconnectSource(alice, SOURCE_A, 'offboarding'),
  storeProviderKey(bob, 'anthropic'),
  providerKeyStored('bob', 'openai', true),
  resealProviderKey(service(), 'bob', 'openai', 1),
  rotateProviderKey(bob, 'anthropic'),
  deleteProviderKey(bob, 'anthropic'),
  rotateTenantKey(alice),
  startConversation(bob, CONV_A, 'claude-sonnet-4-5'),
  chatTurn(bob, CONV_A, MSG_1),
  recordReply(service(), 'bob', CONV_A, MSG_1, { stopReason: 'end_turn' }),
  chatTurn(bob, CONV_A, MSG_2),
  recordFailure(service(), 'bob', CONV_A, MSG_2),
  deleteConversation(bob, CONV_A),
  storeMemory(bob, MEMORY_A),
  forgetMemory(bob, MEMORY_A),
  eraseUser(alice, 'bob', 'asked to be forgotten'),
  deleteTenant(alice, { reason: 'closing' }),
];

/** Every event of SCRIPT as decided, each on the state the ones before it built. */
function decidedEvents(): { events: TenantEvent[]; state: TenantState } {
  let state = tenantDecider.initialState();
  const events: TenantEvent[] = [];
  for (const step of SCRIPT) {
    if (!('metadata' in step)) {
      events.push(step);
      state = tenantDecider.evolve(state, step);
      continue;
    }
    const command = step;
    const decision = tenantDecider.decide(command, state);
    if (!decision.ok) throw new Error(`${command.type}: ${decision.rejection.code}`);
    for (const event of decision.events) {
      events.push(event);
      state = tenantDecider.evolve(state, event);
    }
  }
  const refused = addMember(bob, 'mallory', 'owner');
  events.push(commandRejected(refused, 'FORBIDDEN'), commandRejected(refused, 'UNKNOWN_PRODUCER_KEY', 'gateway-2'));
  return { events, state };
}

/** As stored: secrets sealed, mask and byte counts filled, sent through EventEnvelope and back. */
function stored(event: TenantEvent, seq: number): LogicalEvent {
  const logical = logicalEventOf(event, seq, (data) => {
    if (data['mask'] === '') data['mask'] = 'sk-ant-…9f3a';
    if (data['bytes'] === 0) data['bytes'] = 42;
  });
  return decodeEvent(encodeEvent(logical, eventHash(logical))).event;
}

const { events: DECIDED, state: LIVE_STATE } = decidedEvents();
const STORED = DECIDED.map((event, i) => stored(event, i + 1));

/** The payload fields each type's Avro schema requires (not a ["null", T] union). */
function requiredFields(type: string): string[] {
  const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'events', `${type}.v1.avsc`), 'utf8')) as { fields: { name: string; type: unknown }[] };
  return schema.fields.filter((f) => !(Array.isArray(f.type) && f.type.includes('null'))).map((f) => f.name);
}

/** A value of another JSON type than `value`, never one a reader of `value` accepts. */
function wrongTypeFor(value: JsonValue | undefined): JsonValue {
  return typeof value === 'string' ? 1234 : 'SENTINEL-VALUE';
}

const refusal = (decoded: ReturnType<typeof decodeTenantEvent>) => (decoded.ok ? { ok: true } : { ok: false, code: decoded.error.code, path: decoded.error.path });
const withPayload = (event: LogicalEvent, payload: unknown) => ({ type: event.type, payload });

describe('decodeTenantEvent', () => {
  it('has an event of every type to decode, from the deciders', () => {
    expect(new Set(STORED.map((e) => e.type))).toStrictEqual(new Set(TENANT_EVENT_TYPES));
  });

  describe('when an event is as the processor stored it', () => {
    it.each(STORED.map((event) => [event.type, event] as const))('decodes %s to its typed event, field for field', (type, event) => {
      expect(decodeTenantEvent(event)).toStrictEqual({ ok: true, event: { type, data: event.payload } });
    });

    it('rebuilds the same state as the decided events did', () => {
      const rebuilt = STORED.reduce((state, event) => {
        const decoded = decodeTenantEvent(event);
        if (!decoded.ok) throw new Error(decoded.error.message);
        return tenantDecider.evolve(state, decoded.event);
      }, tenantDecider.initialState());
      expect(rebuilt).toStrictEqual(LIVE_STATE);
    });
  });

  describe('when the type is no tenant event', () => {
    it('refuses it as UNKNOWN_EVENT_TYPE', () => {
      expect(decodeTenantEvent({ type: 'TenantRenamed', payload: { name: 'Acme' } })).toStrictEqual({
        ok: false,
        error: { code: EventDecodeCode.UNKNOWN_EVENT_TYPE, message: '"TenantRenamed" is not a tenant event type' },
      });
    });
  });

  describe('when a payload is malformed', () => {
    it.each(STORED.map((event) => [event.type, event] as const))('refuses %s when the payload is no JSON object', (_, event) => {
      for (const payload of [null, [], 'x', 7]) expect(refusal(decodeTenantEvent(withPayload(event, payload)))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: '' });
    });

    it.each(STORED.map((event) => [event.type, event] as const))('refuses %s with a field its type does not have', (_, event) => {
      expect(refusal(decodeTenantEvent(withPayload(event, { ...event.payload, extra: 'x' })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: '' });
    });

    it.each(STORED.map((event) => [event.type, event] as const))('refuses %s without any one of its required fields', (type, event) => {
      for (const field of requiredFields(type)) {
        const { [field]: _, ...rest } = event.payload;
        expect([field, refusal(decodeTenantEvent(withPayload(event, rest)))]).toStrictEqual([field, { ok: false, code: 'MALFORMED_PAYLOAD', path: '' }]);
      }
    });

    it.each(STORED.map((event) => [event.type, event] as const))('refuses %s with any one field of the wrong type, naming the field', (_, event) => {
      for (const [field, value] of Object.entries(event.payload)) {
        const decoded = decodeTenantEvent(withPayload(event, { ...event.payload, [field]: wrongTypeFor(value) }));
        expect([field, refusal(decoded)]).toStrictEqual([field, { ok: false, code: 'MALFORMED_PAYLOAD', path: field }]);
        expect(decoded.ok ? '' : decoded.error.message).not.toMatch(/SENTINEL-VALUE|1234/);
      }
    });
  });

  describe('when a payload breaks a rule of its type', () => {
    const one = (type: TenantEvent['type'], index = 0): LogicalEvent => STORED.filter((e) => e.type === type)[index]!;
    const decodeWith = (event: LogicalEvent, change: (payload: JsonObject) => JsonObject) => decodeTenantEvent(withPayload(event, change({ ...event.payload })));

    it('refuses a role, source kind, provider, failure reason or disconnecter outside its list', () => {
      expect(refusal(decodeWith(one('MemberAdded'), (p) => ({ ...p, role: 'root' })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: 'role' });
      expect(refusal(decodeWith(one('SourceConnected'), (p) => ({ ...p, kind: 'ftp' })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: 'kind' });
      expect(refusal(decodeWith(one('ProviderKeyDeleted'), (p) => ({ ...p, provider: 'acme-ai' })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: 'provider' });
      expect(refusal(decodeWith(one('ChatTurnFailed'), (p) => ({ ...p, reason: 'BORED' })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: 'reason' });
      expect(refusal(decodeWith(one('SourceDisconnected'), (p) => ({ ...p, by: 'viewer' })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: 'by' });
    });

    it('refuses a count or version that is not an integer', () => {
      expect(refusal(decodeWith(one('TenantKeyRotated'), () => ({ keyVersion: 2.5 })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: 'keyVersion' });
      expect(refusal(decodeWith(one('AssistantReplied'), (p) => ({ ...p, outputTokens: 1e300 })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: 'outputTokens' });
    });

    it('refuses a sealed value that is not a v2 SealedSecret, naming the nested field', () => {
      const content = one('MemoryStored').payload['content'] as JsonObject;
      expect(refusal(decodeWith(one('MemoryStored'), (p) => ({ ...p, content: { ...content, v: 1 } })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: 'content.v' });
      expect(refusal(decodeWith(one('MemoryStored'), (p) => ({ ...p, content: { ...content, kv: '1' } })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: 'content.kv' });
      const { ct: _, ...noCiphertext } = content;
      expect(refusal(decodeWith(one('MemoryStored'), (p) => ({ ...p, content: noCiphertext })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: 'content' });
    });

    it('refuses a null where a field is absent, as the Avro mapping never writes one', () => {
      expect(refusal(decodeWith(one('MemberRemoved'), (p) => ({ ...p, reason: null })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: 'reason' });
    });

    it('refuses a secret given both sealed and legacy, or neither', () => {
      const sealedSource = one('SourceConnected', 0);
      expect(refusal(decodeWith(sealedSource, (p) => ({ ...p, legacyCredential: LEGACY })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: '' });
      const sealedKey = one('ProviderKeyStored', 0);
      expect(refusal(decodeWith(sealedKey, ({ secret: _, ...p }) => p))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: '' });
    });

    it('refuses a re-seal without the field its target names, or with the other one', () => {
      const [ofSource, ofKey] = [one('LegacySecretResealed', 0), one('LegacySecretResealed', 1)];
      expect([ofSource.payload['target'], ofKey.payload['target']]).toStrictEqual(['source-credential', 'provider-key']);
      expect(refusal(decodeWith(ofKey, ({ provider: _, ...p }) => p))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: '' });
      expect(refusal(decodeWith(ofSource, (p) => ({ ...p, provider: 'openai' })))).toStrictEqual({ ok: false, code: 'MALFORMED_PAYLOAD', path: '' });
    });

    it('says what is wrong in a stable message naming the type and the field', () => {
      expect(decodeWith(one('TenantCreated'), (p) => ({ ...p, owner: { userId: 'alice' } }))).toStrictEqual({
        ok: false,
        error: { code: 'MALFORMED_PAYLOAD', path: 'owner', message: 'TenantCreated: missing field "owner.email"' },
      });
      expect(decodeWith(one('MemberAdded'), (p) => ({ ...p, role: 'root' }))).toStrictEqual({
        ok: false,
        error: { code: 'MALFORMED_PAYLOAD', path: 'role', message: 'MemberAdded: "role" is not one of owner|admin|member|viewer' },
      });
    });
  });

  it('never throws, whatever the payload', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TENANT_EVENT_TYPES), fc.jsonValue(), (type, payload) => {
        const decoded = decodeTenantEvent({ type, payload });
        expect(decoded.ok || decoded.error.code === 'MALFORMED_PAYLOAD').toBe(true);
      }),
    );
  });
});
