// One upstream call to Anthropic's Messages API with one user's key (docs/spec.md "Chat turns").
//
// - A new SDK client per call: no key, connection pool state or context is shared between users
//   or turns. The SDK's own retries are off (`maxRetries: 0`); this file retries, so that the
//   policy (what, how often, how long) is ours and visible.
// - 429 is retried honouring `retry-after-ms` / `retry-after` (capped by `maxRetryAfterMs`: a
//   longer wait is not slept but returned as `retryAfterMs`), 529 with exponential backoff
//   (or its retry-after); both at most `maxAttempts` attempts in all. 401/403, timeouts and
//   other errors are not retried (a timeout has already spent the turn's budget).
// - What comes back, and what is logged, is sanitised: a reason code, an HTTP status, counts.
//   Never the key, never the provider's raw body, message or headers (they can echo the key's
//   prefix, the prompt, or account details).
import Anthropic, { APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { ChatFailureReason } from '../../domain/tenant/chat-types.ts';
import type { SecureBuffer } from '../../crypto/secure-memory.ts';
import type { Prompt } from './prompt.ts';
import { PalisadeError } from '../../domain/error-base.ts';

export type ProviderFailureReason = Exclude<ChatFailureReason, 'NO_PROVIDER_KEY' | 'USER_GONE'>;

export type ProviderResult =
  | {
      readonly ok: true;
      readonly text: string;
      readonly model: string;
      readonly inputTokens: number;
      readonly outputTokens: number;
      readonly stopReason: string;
      readonly attempts: number;
    }
  | { readonly ok: false; readonly reason: ProviderFailureReason; readonly retryAfterMs?: number; readonly attempts: number };

export interface RetryPolicy {
  /** Attempts in all, the first included (1 = never retry). */
  readonly maxAttempts: number;
  /** Backoff without a retry-after: base · 2^(retry−1), at most maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A retry-after longer than this is not waited for: the call fails with it as retryAfterMs. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 };

/** Structured logging (pino-compatible). Only sanitised fields are ever passed. */
export interface ChatLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ProviderCall {
  /** The user's key, opened for this call only (SecretOpener.use zeroes it when the call settles). */
  readonly apiKey: SecureBuffer;
  /** Default: the SDK's (https://api.anthropic.com). The environment is never read for it. */
  readonly baseURL?: string;
  readonly model: string;
  readonly maxTokens: number;
  /** Per attempt. */
  readonly timeoutMs: number;
  readonly prompt: Pick<Prompt, 'system' | 'messages'>;
  readonly retry?: Partial<RetryPolicy>;
  /** Aborting (shutdown) rejects with ProviderAbortedError: that is not a turn failure. */
  readonly signal?: AbortSignal;
  readonly log?: ChatLogger;
  /** Waits between attempts; injectable so tests need not sleep. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** For HTTP-date retry-after values. */
  readonly now?: () => number;
}

/** Thrown when `signal` aborted the call: the turn is neither answered nor failed. */
export class ProviderAbortedError extends PalisadeError<'PROVIDER_ABORTED'> {
  readonly code = 'PROVIDER_ABORTED';
  readonly retriable = false;
  constructor() {
    super('the provider call was aborted');
    this.name = 'ProviderAbortedError';
  }
}

export interface ClassifiedFailure {
  readonly reason: ProviderFailureReason;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  /** HTTP status when there was a response (for logs). */
  readonly status?: number;
}

/** What an error thrown by the SDK means for the turn. Pure; never looks at message text. */
export function classifyProviderError(error: unknown, now: () => number = Date.now): ClassifiedFailure {
  if (error instanceof APIConnectionTimeoutError) return { reason: 'TIMEOUT', retryable: false };
  if (error instanceof APIError) {
    const status = error.status;
    const type = errorTypeOf(error.error);
    if (status === 401 || status === 403 || type === 'authentication_error' || type === 'permission_error') return { reason: 'KEY_REJECTED', retryable: false, ...(status === undefined ? {} : { status }) };
    if (status === 429 || type === 'rate_limit_error') return withRetryAfter({ reason: 'RATE_LIMITED', retryable: true, ...(status === undefined ? {} : { status }) }, error.headers, now);
    if (status === 529 || type === 'overloaded_error') return withRetryAfter({ reason: 'OVERLOADED', retryable: true, ...(status === undefined ? {} : { status }) }, error.headers, now);
    if (status === 408 || status === 504) return { reason: 'TIMEOUT', retryable: false, status };
    return { reason: 'PROVIDER_ERROR', retryable: false, ...(status === undefined ? {} : { status }) };
  }
  return { reason: 'PROVIDER_ERROR', retryable: false };
}

function errorTypeOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const inner = (body as { error?: unknown }).error;
  const type = typeof inner === 'object' && inner !== null ? (inner as { type?: unknown }).type : (body as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

function withRetryAfter(failure: ClassifiedFailure, headers: Headers | undefined, now: () => number): ClassifiedFailure {
  const retryAfterMs = parseRetryAfter(headers, now);
  return retryAfterMs === undefined ? failure : { ...failure, retryAfterMs };
}

/** `retry-after-ms` (milliseconds), else `retry-after` (seconds or an HTTP date); undefined when absent or unusable. */
export function parseRetryAfter(headers: Headers | undefined, now: () => number = Date.now): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const value = headers?.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number.parseFloat(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

/** The wait before retry number `retry` (1-based) after `failure`, or undefined: do not retry. */
export function retryDelay(failure: ClassifiedFailure, retry: number, policy: RetryPolicy): number | undefined {
  if (!failure.retryable || retry >= policy.maxAttempts) return undefined;
  if (failure.retryAfterMs !== undefined) return failure.retryAfterMs <= policy.maxRetryAfterMs ? failure.retryAfterMs : undefined;
  return Math.min(policy.baseDelayMs * 2 ** (retry - 1), policy.maxDelayMs);
}

export async function callAnthropic(call: ProviderCall): Promise<ProviderResult> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...call.retry };
  const sleep = call.sleep ?? abortableSleep;
  const now = call.now ?? Date.now;
  for (let attempt = 1; ; attempt += 1) {
    if (isAborted(call.signal)) throw new ProviderAbortedError();
    try {
      const result = await attemptOnce(call);
      call.log?.info({ attempt, model: result.model, inputTokens: result.inputTokens, outputTokens: result.outputTokens, stopReason: result.stopReason }, 'provider call answered');
      return { ...result, attempts: attempt };
    } catch (error) {
      if (error instanceof APIUserAbortError || isAborted(call.signal)) throw new ProviderAbortedError();
      const failure = classifyProviderError(error, now);
      const delay = retryDelay(failure, attempt, policy);
      call.log?.warn({ attempt, reason: failure.reason, status: failure.status, retryInMs: delay, retryAfterMs: failure.retryAfterMs }, delay === undefined ? 'provider call failed' : 'provider call failed, retrying');
      if (delay === undefined) {
        return { ok: false, reason: failure.reason, attempts: attempt, ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }) };
      }
      await sleep(delay, call.signal);
    }
  }
}

async function attemptOnce(call: ProviderCall): Promise<Omit<Extract<ProviderResult, { ok: true }>, 'attempts'>> {
  const client = new Anthropic({
    // The SDK only takes the key as a JS string (it becomes an HTTP header), and a JS string can
    // neither be zeroed nor kept in secure memory. So the key is given as a function: the string
    // is made from the secure buffer only when the request's headers are built, is never stored
    // on the client, and becomes garbage with it; the buffer itself stays ours to zero.
    apiKey: async () => call.apiKey.toString('utf8'),
    authToken: null,
    ...(call.baseURL === undefined ? {} : { baseURL: call.baseURL }),
    timeout: call.timeoutMs,
    maxRetries: 0,
    // Nothing of the call (prompt, headers, errors) goes to the SDK's console logger or to
    // OpenTelemetry spans, whatever ANTHROPIC_LOG or OTEL settings the process has.
    logLevel: 'off',
    openTelemetry: false,
  });
  const message = await client.messages.create(
    {
      model: call.model,
      max_tokens: call.maxTokens,
      system: call.prompt.system,
      messages: call.prompt.messages.map((m) => ({ role: m.role, content: m.content })),
    },
    call.signal === undefined ? {} : { signal: call.signal },
  );
  const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
  return {
    ok: true,
    text,
    model: message.model,
    inputTokens: message.usage.input_tokens,
    outputTokens: message.usage.output_tokens,
    stopReason: message.stop_reason ?? 'unknown',
  };
}

// A function, not an inline test: TypeScript would keep the narrowing of `aborted` across awaits.
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(new ProviderAbortedError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ProviderAbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
