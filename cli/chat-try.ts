// `palisade chat try`: one real chat turn end to end, for a newcomer with their own Anthropic key.
// It plays the upstream service: registers a throwaway producer key, creates a tenant owned by
// `you`, stores the key (sealed to the processor's intake key), starts a conversation, sends the
// message, waits for the chat worker's outcome event and opens the reply (sealed under `you`'s
// data key) to print it. Needs the services running (`npm start`).
import type { KafkaEndpoint } from '../adapters/kafka/client.ts';
import { kafkaEndpoint } from '../deploy/config/kafka.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../deploy/config/config.ts';
import { loadMasterKey } from '../deploy/config/master-key.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { topicNames } from '../adapters/kafka/topics.ts';
import type { KafkaClient as Kafka } from '../adapters/kafka/client.ts';
import { readTenantEvents } from '../audit/tenant-events.ts';
import { ContentOpener } from '../consumers/chat-worker/content-opener.ts';
import { generateSigningKeyPair } from '../crypto/ed25519.ts';
import { chatReplyBinding } from '../domain/tenant/chat-secrets.ts';
import { KeyStore } from '../crypto/vault/store/key-store.ts';
import { openPool } from '../adapters/postgres/pool.ts';
import { chatTurnPayload, startConversationPayload } from '../producers/chat.ts';
import { PalisadeClient, type CommandInput } from '../producers/client.ts';
import { registerProducerKey, revokeProducerKey } from '../producers/key-registry.ts';
import { storeProviderKeyPayload } from '../producers/secrets.ts';
import type { CommandResult, LogicalEvent } from '../domain/logical.ts';
import type { Kek } from '../crypto/vault/key-wrap.ts';

export interface ChatTryDeps {
  readonly kafka: Kafka;
  /** The producer principal's endpoint (the turn's client writes commands). */
  readonly producerKafka: KafkaEndpoint;
  readonly topics: { readonly commands: string; readonly results: string; readonly events: string };
  readonly databaseUrl: string;
  readonly masterKey: Kek;
  readonly say: (line: string) => void;
  readonly waitMs?: number;
}

export type ChatTryResult =
  | { readonly ok: true; readonly tenantId: string; readonly reply: string; readonly model: string; readonly inputTokens: number; readonly outputTokens: number }
  | { readonly ok: false; readonly tenantId?: string; readonly reason: string };

const USER = 'you';

export async function tryChatTurn(deps: ChatTryDeps, input: { readonly apiKey: string; readonly message: string }): Promise<ChatTryResult> {
  const pool = openPool({ connectionString: deps.databaseUrl, max: 2 });
  const signing = generateSigningKeyPair();
  const keyId = `chat-try-${randomBytes(3).toString('hex')}`;
  let client: PalisadeClient | undefined;
  const tenantId = randomUUID();
  try {
    await registerProducerKey(pool, { keyId, publicKey: signing.publicKey, tenants: null, canCreateTenants: true, description: 'palisade chat try' });
    client = await PalisadeClient.connect({ kafka: deps.producerKafka, topics: deps.topics, producerKeyId: keyId, secretKey: signing.secretKey, resultTimeoutMs: 60_000 });
    const store = new KeyStore(pool, deps.masterKey);
    const intake = await store.intakePublicKey();
    const conversationId = randomUUID();
    const messageId = randomUUID();
    const actor = { kind: 'user', id: USER } as const;
    const send = async (step: string, command: CommandInput): Promise<CommandResult> => {
      const result = await client!.send(command);
      deps.say(`${result.outcome === 'accepted' ? '✓' : '✗'} ${step}: ${result.outcome === 'accepted' ? `seq ${result.firstSeq}` : `${result.code} (${result.message})`}`);
      return result;
    };
    const steps: Array<[string, CommandInput]> = [
      [`create tenant ${tenantId} owned by "${USER}"`, { tenantId, actor, type: 'CreateTenant', payload: { name: 'Chat try', owner: { userId: USER, email: 'you@example.com' } } }],
      ['store your Anthropic key (sealed to the intake key, then under your data key)', { tenantId, actor, type: 'StoreProviderKey', payload: storeProviderKeyPayload({ tenantId, userId: USER, provider: 'anthropic', apiKey: input.apiKey }, intake) }],
      ['start a conversation', { tenantId, actor, type: 'StartConversation', payload: startConversationPayload({ conversationId }) }],
      ['send your message', { tenantId, actor, type: 'ChatTurn', payload: chatTurnPayload({ tenantId, userId: USER, conversationId, messageId, text: input.message }, intake) }],
    ];
    for (const [step, command] of steps) {
      const result = await send(step, command);
      if (result.outcome !== 'accepted') return { ok: false, tenantId, reason: result.code ?? 'REJECTED' };
    }
    deps.say('… waiting for the chat worker (is `npm start` running?)');
    const outcome = await waitForOutcome(deps, tenantId, messageId);
    if (outcome === undefined) return { ok: false, tenantId, reason: 'NO_ANSWER: no reply within the wait; is the chat worker running (npm start)?' };
    const payload = outcome.payload as Record<string, unknown>;
    if (outcome.type === 'ChatTurnFailed') return { ok: false, tenantId, reason: String(payload['reason']) };
    const reply = await new ContentOpener(store).openText({ tenantId, userId: USER }, payload['content'], chatReplyBinding(tenantId, USER, conversationId, messageId));
    if (reply === undefined) return { ok: false, tenantId, reason: 'the reply no longer opens (its data key was destroyed)' };
    return { ok: true, tenantId, reply, model: String(payload['model']), inputTokens: Number(payload['inputTokens']), outputTokens: Number(payload['outputTokens']) };
  } finally {
    await client?.close().catch(() => undefined);
    await revokeProducerKey(pool, keyId).catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}

async function waitForOutcome(deps: ChatTryDeps, tenantId: string, messageId: string): Promise<LogicalEvent | undefined> {
  for (let deadline = Date.now() + (deps.waitMs ?? 120_000); Date.now() < deadline; ) {
    let found: LogicalEvent | undefined;
    await readTenantEvents(deps.kafka, deps.topics.events, tenantId, (stored) => {
      if (stored.ok && (stored.event.type === 'AssistantReplied' || stored.event.type === 'ChatTurnFailed') && (stored.event.payload as Record<string, unknown>)['replyTo'] === messageId) found = stored.event;
    });
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return undefined;
}

/** `palisade chat try --api-key-file PATH --message TEXT [--json]` (the key is read from a file, never an argument: argv is visible to every user of the machine). */
export function registerChatCommands(program: Command): void {
  program
    .command('chat')
    .description('chat turns')
    .command('try')
    .description('one real chat turn with your own Anthropic key: a fresh tenant owned by "you", your key stored sealed, your message answered by the running chat worker (npm start)')
    .requiredOption('--api-key-file <path>', 'a file holding your sk-ant-… key (read once, never printed)')
    .option('--message <text>', 'what to ask', 'Say hello to Palisade in one sentence.')
    .option('--json', 'print one JSON object (without the reply text) instead of prose')
    .action(async (options: { apiKeyFile: string; message: string; json?: boolean }) => {
      const apiKey = readFileSync(options.apiKeyFile, 'utf8').trim();
      const config = loadConfig();
      const say = options.json ? () => undefined : (line: string) => console.log(line);
      const result = await tryChatTurn({
        kafka: createKafka({ ...kafkaEndpoint(config, 'auditor'), clientId: 'palisade-chat-try' }),
        producerKafka: kafkaEndpoint(config, 'producer'), topics: topicNames(config.topicPrefix), databaseUrl: config.databaseUrl,
        masterKey: loadMasterKey(config), say,
      }, { apiKey, message: options.message });
      if (options.json) console.log(JSON.stringify(result.ok ? { ok: true, tenantId: result.tenantId, model: result.model, inputTokens: result.inputTokens, outputTokens: result.outputTokens } : result));
      else if (result.ok) console.log(`\n${result.model} (${result.inputTokens} in / ${result.outputTokens} out tokens):\n\n${result.reply}\n`);
      else console.error(`✗ no reply: ${result.reason}`);
      process.exitCode = result.ok ? 0 : 1;
    });
}
