// The guided scenario of `palisade demo`: two tenants, members added and changed, a forged
// cross-tenant command refused, chains verified. Narrated for a newcomer; every step is real
// (signed Avro commands through Kafka, the processor's results, chains recomputed from Kafka).
import type { KafkaEndpoint } from '../adapters/kafka/client.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import type { KafkaClient as Kafka } from '../adapters/kafka/client.ts';
import { generateSigningKeyPair } from '../crypto/ed25519.ts';
import { PalisadeClient } from '../producers/client.ts';
import { registerProducerKey, revokeProducerKey } from '../producers/key-registry.ts';
import { verifyTenant } from '../audit/verify-tenant.ts';
import type { CommandResult } from '../domain/logical.ts';
import type { TenantCommandData, TenantCommandType } from '../domain/tenant/index.ts';
import type { TopicNames } from '../adapters/kafka/topics.ts';
import { openPool } from '../adapters/postgres/pool.ts';

export interface DemoDeps {
  readonly kafka: Kafka;
  /** The producer principal's endpoint (the scenario's clients write commands). */
  readonly producerKafka: KafkaEndpoint;
  readonly topics: TopicNames;
  readonly databaseUrl: string;
  readonly say: (line: string) => void;
}

export async function runDemoScenario(deps: DemoDeps): Promise<{ ok: boolean }> {
  const { say } = deps;
  const run = randomBytes(3).toString('hex');
  const pool = openPool({ connectionString: deps.databaseUrl, max: 1 });
  const gateway = generateSigningKeyPair();
  const globexOnly = generateSigningKeyPair();
  const acme = randomUUID();
  const globex = randomUUID();
  const gatewayId = `demo-gateway-${run}`;
  const globexId = `demo-globex-${run}`;
  const clients: PalisadeClient[] = [];
  let ok = true;
  const expect = (step: string, result: CommandResult, want: 'accepted' | string) => {
    const got = result.outcome === 'accepted' ? 'accepted' : result.code!;
    const seq = result.outcome === 'accepted' ? ` → seq ${result.firstSeq}` : ` (${result.message})`;
    const good = got === want;
    ok &&= good;
    say(`   ${good ? '✓' : '✗'} ${step}: ${got}${seq}`);
  };
  try {
    say('1. Register two producer keys (Ed25519): a gateway for every tenant, and one allowed only for Globex.');
    await registerProducerKey(pool, { keyId: gatewayId, publicKey: gateway.publicKey, tenants: null, canCreateTenants: true, description: 'palisade demo' });
    await registerProducerKey(pool, { keyId: globexId, publicKey: globexOnly.publicKey, tenants: [globex], canCreateTenants: false, description: 'palisade demo' });
    const connect = async (keyId: string, secretKey: Buffer) => {
      const c = await PalisadeClient.connect({ kafka: deps.producerKafka, topics: deps.topics, producerKeyId: keyId, secretKey, resultTimeoutMs: 60_000 });
      clients.push(c);
      return c;
    };
    const gw = await connect(gatewayId, gateway.secretKey);
    const send = <T extends TenantCommandType>(c: PalisadeClient, tenantId: string, type: T, actorId: string, payload: TenantCommandData<T>) =>
      c.send<T>({ tenantId, type, actor: { kind: 'user', id: actorId }, payload });

    say(`2. Create tenants Acme (${acme}) and Globex (${globex}).`);
    expect('Alice creates Acme', await send(gw, acme, 'CreateTenant', 'alice', { name: 'Acme', owner: { userId: 'alice', email: 'alice@acme.example' } }), 'accepted');
    expect('Bob creates Globex', await send(gw, globex, 'CreateTenant', 'bob', { name: 'Globex', owner: { userId: 'bob', email: 'bob@globex.example' } }), 'accepted');

    say('3. Members are added and changed; permissions come from each tenant\'s own history.');
    expect('Alice adds Carol to Acme as admin', await send(gw, acme, 'AddMember', 'alice', { userId: 'carol', email: 'carol@acme.example', role: 'admin' }), 'accepted');
    expect('Carol (admin) adds Dan as member', await send(gw, acme, 'AddMember', 'carol', { userId: 'dan', email: 'dan@acme.example', role: 'member' }), 'accepted');
    expect('Alice makes Dan a viewer', await send(gw, acme, 'ChangeRole', 'alice', { userId: 'dan', role: 'viewer' }), 'accepted');
    expect('Dan (viewer) tries to add Eve', await send(gw, acme, 'AddMember', 'dan', { userId: 'eve', email: 'eve@acme.example', role: 'admin' }), 'FORBIDDEN');
    expect('Carol (admin) tries to promote herself to owner', await send(gw, acme, 'ChangeRole', 'carol', { userId: 'carol', role: 'owner' }), 'FORBIDDEN');
    expect('Bob adds Erin to Globex', await send(gw, globex, 'AddMember', 'bob', { userId: 'erin', email: 'erin@globex.example', role: 'member' }), 'accepted');

    say('4. Cross-tenant attempts are refused: a refusal of a known producer or member is recorded in Acme\'s chain; a forgery never touches it.');
    expect('Bob (Globex owner) tries to add himself to Acme', await send(gw, acme, 'AddMember', 'bob', { userId: 'bob', email: 'bob@globex.example', role: 'owner' }), 'NOT_A_MEMBER');
    const globexClient = await connect(globexId, globexOnly.secretKey);
    expect('Globex\'s key is used to add a member to Acme', await send(globexClient, acme, 'AddMember', 'alice', { userId: 'mallory', email: 'm@evil.example', role: 'owner' }), 'PRODUCER_KEY_NOT_ALLOWED');
    const forger = generateSigningKeyPair();
    const forged = await connect(gatewayId, forger.secretKey);
    expect('A command forged in the gateway\'s name (wrong private key)', await send(forged, acme, 'AddMember', 'alice', { userId: 'mallory', email: 'm@evil.example', role: 'owner' }), 'SIGNATURE_INVALID');

    say('5. Verify both chains from Kafka, as an auditor would (palisade audit verify).');
    for (const [name, tenantId] of [['Acme', acme], ['Globex', globex]] as const) {
      const v = await verifyTenant(deps.kafka, deps.topics.events, tenantId);
      ok &&= v.ok;
      say(v.ok ? `   ✓ ${name}: ${v.events} events, head seq ${v.head.seq} ${v.head.hash.slice(0, 16)}…` : `   ✗ ${name}: ${v.failure.code} at seq ${v.failure.seq}`);
    }
    say(ok ? `Done. Try: npx palisade audit verify --tenant ${acme}` : 'Some steps did not go as expected (see ✗ above).');
    return { ok };
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await revokeProducerKey(pool, gatewayId).catch(() => false);
    await revokeProducerKey(pool, globexId).catch(() => false);
    await pool.end();
  }
}
