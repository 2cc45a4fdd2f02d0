// One chat turn (docs/spec.md "Chat turns"): a ChatTurnRequested event in, the RecordAssistantReply
// to send out. All I/O is injected (TurnDeps), so the orchestration is unit-tested without
// Kafka, PostgreSQL or a provider, and the Kafka wiring is a thin loop:
//
//   for each record of the events topic:
//     const outcome = await runTurn(decodeEvent(record), deps, config);
//     if (outcome.kind === 'reply') await sendCommand('RecordAssistantReply', outcome.commandId,
//       outcome.tenantId, replyCommandData(outcome.reply, sealReplyToIntake));
//     commit the offset
//
// Everything the turn reads is scoped by the event's (tenant, user, conversation): the readers
// get a TurnScope and nothing else. The user's provider key is opened after the prompt is built
// and only around the provider call (the opener zeroes it when the call settles).
//
// Idempotency: the reply's commandId is derived from the message event's id, so a redelivered
// event yields the same command and the processor answers it with the original result. The
// optional `isAnswered` check avoids paying for a second provider call in the common case.
import { createHash } from 'node:crypto';
import { CHAT_FAILURE_REASONS, MAX_REPLY_BYTES, type ChatFailureReason, type RecordAssistantReplyData } from '../../domain/tenant/chat-types.ts';
import { isCanonicalUuid, isPlainObject, isPrincipalId } from '../../domain/validation.ts';
import type { SecureBuffer } from '../../crypto/secure-memory.ts';
import type { JsonObject, LogicalEvent } from '../../domain/logical.ts';
import { OpenerError, type SecretRef } from '../vault/secret-opener.ts';
import { buildPrompt, truncateUtf8, type PromptLimits, type PromptMemory, type PromptTurn } from './prompt.ts';
import type { ChatLogger, ProviderCall, ProviderResult, RetryPolicy } from './provider.ts';

export const CHAT_TURN_EVENT = 'ChatTurnRequested';

/** Whose turn it is; every reader gets exactly this. */
export interface TurnScope {
  readonly tenantId: string;
  readonly userId: string;
  readonly conversationId: string;
}

/** A ChatTurnRequested event, checked. `content` is the event's sealed slot, as recorded. */
export interface TurnRequest extends TurnScope {
  readonly eventId: string;
  readonly messageId: string;
  readonly content: JsonObject;
}

export interface ConversationView {
  /** The model chosen at StartConversation, if any. */
  readonly model?: string;
  /** Earlier turns of this conversation, oldest first, without the message being answered. */
  readonly history: readonly PromptTurn[];
}

export interface TurnDeps {
  /** 'gone' when the user was erased or is no longer a member of the tenant. */
  userStatus(tenantId: string, userId: string): Promise<'active' | 'gone'>;
  /** Whether this message already has a reply or a failure (a redelivery). Default: never. */
  isAnswered?(scope: TurnScope, messageId: string): Promise<boolean>;
  /** This conversation of this user (undefined: it does not exist or was deleted). */
  loadConversation(scope: TurnScope, messageId: string): Promise<ConversationView | undefined>;
  /** The message's plaintext, opened from `request.content`; undefined when its key was destroyed (erasure). */
  openMessage(request: TurnRequest): Promise<string | undefined>;
  /** This user's memories most relevant to `query`, best first (MemoryIndex.scope(t, u).search, then opened). */
  recallMemories(tenantId: string, userId: string, query: string, limit: number): Promise<readonly PromptMemory[]>;
  /** SecretOpener.use: the key in secure memory for the duration of `use`, zeroed after. */
  withProviderKey<T>(ref: SecretRef, use: (key: SecureBuffer) => Promise<T>): Promise<T>;
  /** callAnthropic, or a stand-in. */
  callProvider(call: ProviderCall): Promise<ProviderResult>;
  readonly log?: ChatLogger;
  /** Shutdown: an aborted turn throws ProviderAbortedError and must not be committed. */
  readonly signal?: AbortSignal;
}

export interface TurnConfig {
  /** When the conversation names none. */
  readonly defaultModel: string;
  readonly maxTokens: number;
  readonly timeoutMs: number;
  readonly baseURL?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly promptLimits?: Partial<PromptLimits>;
  /** How many memories to recall into the prompt. */
  readonly memoryLimit: number;
}

/** RecordAssistantReplyData with the reply's plaintext in place of its intake box. */
export interface ReplyDraft {
  readonly conversationId: string;
  readonly userId: string;
  readonly replyTo: string;
  readonly text?: string;
  readonly model?: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly stopReason?: string;
  readonly failure?: ChatFailureReason;
}

export type SkipReason = 'NOT_A_TURN' | 'MALFORMED' | 'ALREADY_ANSWERED' | 'CONVERSATION_GONE';

export type TurnOutcome =
  | { readonly kind: 'reply'; readonly commandId: string; readonly tenantId: string; readonly reply: ReplyDraft }
  | { readonly kind: 'skip'; readonly reason: SkipReason };

/** One command id per answered message: a redelivery sends the same command. */
export function replyCommandId(tenantId: string, messageEventId: string): string {
  const hex = createHash('sha256').update(`palisade/chat-reply\n${tenantId}\n${messageEventId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The turn request in `event`, or why it is none. Pure. */
export function parseTurnRequest(event: LogicalEvent): { ok: true; request: TurnRequest } | { ok: false; reason: 'NOT_A_TURN' | 'MALFORMED' } {
  if (event.type !== CHAT_TURN_EVENT) return { ok: false, reason: 'NOT_A_TURN' };
  const p = event.payload;
  const content = p['content'];
  if (
    !isCanonicalUuid(event.tenantId) ||
    typeof event.eventId !== 'string' ||
    event.eventId === '' ||
    !isPrincipalId(p['userId']) ||
    !isCanonicalUuid(p['conversationId']) ||
    !isCanonicalUuid(p['messageId']) ||
    !isPlainObject(content)
  )
    return { ok: false, reason: 'MALFORMED' };
  return {
    ok: true,
    request: {
      tenantId: event.tenantId,
      userId: p['userId'],
      conversationId: p['conversationId'],
      messageId: p['messageId'],
      eventId: event.eventId,
      content: content as JsonObject,
    },
  };
}

export async function runTurn(event: LogicalEvent, deps: TurnDeps, config: TurnConfig): Promise<TurnOutcome> {
  const parsed = parseTurnRequest(event);
  if (!parsed.ok) return { kind: 'skip', reason: parsed.reason };
  const request = parsed.request;
  const scope: TurnScope = { tenantId: request.tenantId, userId: request.userId, conversationId: request.conversationId };
  const logFields = { tenantId: scope.tenantId, userId: scope.userId, conversationId: scope.conversationId, messageId: request.messageId, eventId: request.eventId };

  if ((await deps.isAnswered?.(scope, request.messageId)) === true) return { kind: 'skip', reason: 'ALREADY_ANSWERED' };
  const reply = (draft: Omit<ReplyDraft, 'conversationId' | 'userId' | 'replyTo'>): TurnOutcome => {
    deps.log?.info({ ...logFields, failure: draft.failure, model: draft.model, outputTokens: draft.outputTokens }, draft.failure === undefined ? 'chat turn answered' : 'chat turn failed');
    return {
      kind: 'reply',
      commandId: replyCommandId(request.tenantId, request.eventId),
      tenantId: request.tenantId,
      reply: { conversationId: scope.conversationId, userId: scope.userId, replyTo: request.messageId, ...draft },
    };
  };

  if ((await deps.userStatus(scope.tenantId, scope.userId)) === 'gone') return reply({ failure: 'USER_GONE' });
  const conversation = await deps.loadConversation(scope, request.messageId);
  if (conversation === undefined) return { kind: 'skip', reason: 'CONVERSATION_GONE' };
  const message = await deps.openMessage(request);
  if (message === undefined) return reply({ failure: 'USER_GONE' });

  const memories = config.memoryLimit > 0 ? await deps.recallMemories(scope.tenantId, scope.userId, message, config.memoryLimit) : [];
  const prompt = buildPrompt({ history: conversation.history, memories, userMessage: message, ...(config.promptLimits === undefined ? {} : { limits: config.promptLimits }) });
  const model = conversation.model ?? config.defaultModel;
  const ref: SecretRef = { tenantId: scope.tenantId, userId: scope.userId, target: 'provider-key', provider: 'anthropic' };

  let result: ProviderResult;
  try {
    result = await deps.withProviderKey(ref, (apiKey) =>
      deps.callProvider({
        apiKey,
        model,
        maxTokens: config.maxTokens,
        timeoutMs: config.timeoutMs,
        prompt,
        ...(config.baseURL === undefined ? {} : { baseURL: config.baseURL }),
        ...(config.retry === undefined ? {} : { retry: config.retry }),
        ...(deps.signal === undefined ? {} : { signal: deps.signal }),
        ...(deps.log === undefined ? {} : { log: deps.log }),
      }),
    );
  } catch (error) {
    const failure = keyFailure(error);
    if (failure === undefined) throw error;
    return reply({ failure });
  }

  if (!result.ok) return reply({ failure: result.reason });
  if (result.text.trim() === '') return reply({ failure: 'PROVIDER_ERROR' });
  return reply({
    text: truncateUtf8(result.text, MAX_REPLY_BYTES),
    model: result.model,
    inputTokens: result.inputTokens,
    outputTokens: result.outputTokens,
    stopReason: result.stopReason,
  });
}

/**
 * Opener errors that end the turn with NO_PROVIDER_KEY: no key stored, its data key destroyed,
 * or a value that does not open (the user must store the key again). LEGACY_SECRET_MISSING is
 * the operator's to fix (PALISADE_LEGACY_SECRET), and other errors (the database) are
 * transient: both are rethrown, so the event is retried rather than failed for good.
 */
function keyFailure(error: unknown): ChatFailureReason | undefined {
  if (!(error instanceof OpenerError)) return undefined;
  return error.code === 'LEGACY_SECRET_MISSING' ? undefined : 'NO_PROVIDER_KEY';
}

/**
 * The RecordAssistantReply payload: `sealReply` turns the reply's plaintext into the intake box
 * (sealToIntake with chatReplyBinding(tenantId, userId, conversationId, replyTo)).
 */
export function replyCommandData(draft: ReplyDraft, sealReply: (plaintext: string) => string): RecordAssistantReplyData {
  const base = { conversationId: draft.conversationId, userId: draft.userId, replyTo: draft.replyTo };
  if (draft.failure !== undefined || draft.text === undefined) {
    const failure = draft.failure ?? 'PROVIDER_ERROR';
    if (!CHAT_FAILURE_REASONS.includes(failure)) throw new TypeError('unknown failure reason');
    return { ...base, failure };
  }
  return {
    ...base,
    content: sealReply(draft.text),
    ...(draft.model === undefined ? {} : { model: draft.model }),
    ...(draft.inputTokens === undefined ? {} : { inputTokens: draft.inputTokens }),
    ...(draft.outputTokens === undefined ? {} : { outputTokens: draft.outputTokens }),
    ...(draft.stopReason === undefined ? {} : { stopReason: draft.stopReason }),
  };
}
