// The commands the chat worker sends the processor, signed with its producer key: a turn's
// RecordAssistantReply, and ResealLegacySecret for a legacy provider key opened once. The text
// and the key in them are sealed to the processor's intake key, bound to where they belong. Their
// command ids are deterministic (replyCommandId, resealCommandId), so a repeat gets the original result.
import type { JsonObject } from '../../domain/logical.ts';
import { chatReplyBinding } from '../../domain/tenant/chat-secrets.ts';
import type { PalisadeClient } from '../../producers/client.ts';
import { sealSecret } from '../../producers/secrets.ts';
import { bindingOf, type SecretRef } from '../vault/secret-opener.ts';
import type { ChatWorkerLogger } from './logging.ts';
import { replyCommandData, type TurnOutcome } from './turn.ts';

export const CHAT_WORKER_ACTOR = { kind: 'service', id: 'chat-worker' } as const;

/** How the processor took a reply: appended as a reply or a failure, a repeat of an earlier command, or refused. */
export type ReplyRecorded = 'replies' | 'failures' | 'replayed' | 'refused';

export class WorkerCommands {
  private readonly client: () => PalisadeClient;
  private readonly intakePublicKey: Buffer;
  private readonly log: ChatWorkerLogger;

  /** `client` throws once the worker stopped. */
  constructor(client: () => PalisadeClient, intakePublicKey: Buffer, log: ChatWorkerLogger) {
    this.client = client;
    this.intakePublicKey = intakePublicKey;
    this.log = log;
  }

  /** Sends the turn's RecordAssistantReply (its reply or failure). */
  async recordReply(outcome: Extract<TurnOutcome, { kind: 'reply' }>): Promise<ReplyRecorded> {
    const draft = outcome.reply;
    const payload = replyCommandData(draft, (text) =>
      sealSecret(text, this.intakePublicKey, chatReplyBinding(outcome.tenantId, draft.userId, draft.conversationId, draft.replyTo)),
    );
    const result = await this.client().send({
      tenantId: outcome.tenantId,
      type: 'RecordAssistantReply',
      actor: { ...CHAT_WORKER_ACTOR },
      payload: payload as unknown as JsonObject,
      commandId: outcome.commandId,
    });
    // A rejection is final (REPLY_EXISTS on a redelivery, the conversation deleted or the user
    // erased meanwhile): the turn is done either way.
    const fields = { tenantId: outcome.tenantId, commandId: outcome.commandId, outcome: result.outcome, replayed: result.replayed, failure: draft.failure };
    if (result.outcome === 'accepted') this.log.info(fields, 'chat turn recorded');
    else this.log.info({ ...fields, code: result.code }, 'chat turn record refused');
    if (result.replayed) return 'replayed';
    if (result.outcome !== 'accepted') return 'refused';
    return draft.failure === undefined ? 'replies' : 'failures';
  }

  /** A legacy provider key, opened once: sent back through intake to be sealed as v2 (one command id per value). */
  async resealLegacy(ref: SecretRef, version: number, commandId: string, plaintext: Uint8Array): Promise<void> {
    const client = this.client();
    const secret = sealSecret(plaintext, this.intakePublicKey, bindingOf(ref));
    const payload: JsonObject = ref.target === 'provider-key'
      ? { target: ref.target, userId: ref.userId, provider: ref.provider, version, secret }
      : { target: ref.target, userId: ref.userId, sourceId: ref.sourceId, version, secret };
    const result = await client.send({ tenantId: ref.tenantId, type: 'ResealLegacySecret', actor: { ...CHAT_WORKER_ACTOR }, payload, commandId });
    if (result.outcome === 'rejected' && result.code !== 'LEGACY_ALREADY_RESEALED') {
      this.log.warn({ tenantId: ref.tenantId, commandId, code: result.code }, 'legacy secret re-seal refused');
    }
  }
}
