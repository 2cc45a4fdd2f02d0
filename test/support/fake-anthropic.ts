// A local stand-in for the Anthropic Messages API (POST /v1/messages, non-streaming), enough for
// the real `@anthropic-ai/sdk` client to talk to it: tests of the chat worker point the SDK's
// `baseURL` at it. It listens on 127.0.0.1 on a random port, records every request (headers,
// the API key the client sent, the parsed body) and answers as programmed per API key or per
// call: a reply, 401 authentication_error, 429 rate_limit_error with retry-after, 529
// overloaded_error, 500 api_error, or a delay first (for timeouts). Errors use Anthropic's body
// shape { type: 'error', error: { type, message } }.
//
// The SDK (1.x) sends the key as `Authorization: Bearer <key>`; older clients and curl send
// `x-api-key`. Both are accepted; `RecordedRequest.apiKey` is whichever was sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeErrorType = 'authentication_error' | 'rate_limit_error' | 'overloaded_error' | 'api_error' | 'invalid_request_error' | 'not_found_error' | 'permission_error';

/** What the server does with one request. */
export type FakeBehaviour =
  | {
      readonly kind: 'reply';
      /** Default: `reply to <last user text>`. */
      readonly text?: string;
      readonly stopReason?: string;
      readonly inputTokens?: number;
      readonly outputTokens?: number;
      /** Wait this long before answering (the client may time out first). */
      readonly delayMs?: number;
    }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly errorType: FakeErrorType;
      readonly message?: string;
      /** Sent as the `retry-after` header (seconds, as Anthropic sends it). */
      readonly retryAfterSeconds?: number;
      readonly delayMs?: number;
    };

/** Ready-made behaviours. Messages are recognisable so tests can assert they never leak. */
export const fake = {
  reply: (text?: string, extra: Omit<Extract<FakeBehaviour, { kind: 'reply' }>, 'kind' | 'text'> = {}): FakeBehaviour => ({ kind: 'reply', ...(text === undefined ? {} : { text }), ...extra }),
  authError: (): FakeBehaviour => ({ kind: 'error', status: 401, errorType: 'authentication_error', message: 'FAKE-RAW: invalid x-api-key' }),
  rateLimited: (retryAfterSeconds?: number): FakeBehaviour => ({
    kind: 'error',
    status: 429,
    errorType: 'rate_limit_error',
    message: 'FAKE-RAW: Number of request tokens has exceeded your per-minute rate limit',
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  }),
  overloaded: (): FakeBehaviour => ({ kind: 'error', status: 529, errorType: 'overloaded_error', message: 'FAKE-RAW: Overloaded' }),
  serverError: (): FakeBehaviour => ({ kind: 'error', status: 500, errorType: 'api_error', message: 'FAKE-RAW: Internal server error' }),
  delay: (delayMs: number, text?: string): FakeBehaviour => ({ kind: 'reply', delayMs, ...(text === undefined ? {} : { text }) }),
} as const;

export interface RecordedRequest {
  /** 1-based, in arrival order. */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  /** Lowercase header names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** From `x-api-key`, else from `Authorization: Bearer`. */
  readonly apiKey: string | undefined;
  /** The parsed JSON body (undefined when it was not JSON). */
  readonly body: unknown;
  /** What the server answered (the status it chose; the client may have gone by then). */
  readonly status: number;
}

const ANY = Symbol('any key');

export class FakeAnthropic {
  readonly baseURL: string;
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly queues = new Map<string | typeof ANY, FakeBehaviour[]>();
  private readonly fallbacks = new Map<string | typeof ANY, FakeBehaviour>();
  private messageCounter = 0;

  private constructor(server: Server, baseURL: string) {
    this.server = server;
    this.baseURL = baseURL;
  }

  /** Starts a server on 127.0.0.1 and a random port. Call close() when done. */
  static async start(): Promise<FakeAnthropic> {
    let instance: FakeAnthropic | undefined;
    const server = createServer((req, res) => {
      void instance?.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    instance = new FakeAnthropic(server, `http://127.0.0.1:${port}`);
    return instance;
  }

  /** The next calls made with `apiKey` get these behaviours, one each, in order. */
  script(apiKey: string, ...behaviours: FakeBehaviour[]): this {
    this.queueOf(apiKey).push(...behaviours);
    return this;
  }

  /** The next calls, whatever the key, get these (after any key-specific script). */
  scriptAny(...behaviours: FakeBehaviour[]): this {
    this.queueOf(ANY).push(...behaviours);
    return this;
  }

  /** Every call with `apiKey` that has no scripted behaviour left gets this one. */
  always(apiKey: string, behaviour: FakeBehaviour): this {
    this.fallbacks.set(apiKey, behaviour);
    return this;
  }

  /** Every call without a scripted or per-key behaviour gets this one (default: the echo reply). */
  alwaysAny(behaviour: FakeBehaviour): this {
    this.fallbacks.set(ANY, behaviour);
    return this;
  }

  /** Forgets recorded requests and programmed behaviours. */
  reset(): void {
    this.requests.length = 0;
    this.queues.clear();
    this.fallbacks.clear();
  }

  /** Requests made with this key. */
  requestsWith(apiKey: string): RecordedRequest[] {
    return this.requests.filter((r) => r.apiKey === apiKey);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private queueOf(key: string | typeof ANY): FakeBehaviour[] {
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = [];
      this.queues.set(key, queue);
    }
    return queue;
  }

  private behaviourFor(apiKey: string | undefined): FakeBehaviour {
    const own = apiKey === undefined ? undefined : this.queues.get(apiKey)?.shift();
    return own ?? this.queues.get(ANY)?.shift() ?? (apiKey === undefined ? undefined : this.fallbacks.get(apiKey)) ?? this.fallbacks.get(ANY) ?? { kind: 'reply' };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const bearer = /^Bearer (.+)$/i.exec(headers['authorization'] ?? '')?.[1];
    const apiKey = headers['x-api-key'] ?? bearer;
    let body: unknown;
    try {
      body = raw.length === 0 ? undefined : JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const record = (status: number) => this.requests.push({ index: this.requests.length + 1, method: req.method ?? '', path, headers, apiKey, body, status });

    if (req.method !== 'POST' || path !== '/v1/messages') {
      record(404);
      return sendError(res, 404, 'not_found_error', `FAKE-RAW: no route ${req.method} ${path}`);
    }
    const invalid = requestProblem(headers, apiKey, body);
    if (invalid !== undefined) {
      record(invalid.status);
      return sendError(res, invalid.status, invalid.type, invalid.message);
    }
    const behaviour = this.behaviourFor(apiKey);
    record(behaviour.kind === 'reply' ? 200 : behaviour.status);
    if (behaviour.delayMs !== undefined && behaviour.delayMs > 0) {
      const gone = await waitOrClose(res, behaviour.delayMs);
      if (gone) return;
    }
    if (behaviour.kind === 'error') {
      const extra: Record<string, string> = behaviour.retryAfterSeconds === undefined ? {} : { 'retry-after': String(behaviour.retryAfterSeconds) };
      return sendError(res, behaviour.status, behaviour.errorType, behaviour.message ?? `FAKE-RAW: ${behaviour.errorType}`, extra);
    }
    const request = body as MessagesRequest;
    this.messageCounter += 1;
    const text = behaviour.text ?? `reply to ${lastUserText(request.messages)}`;
    sendJson(res, 200, {
      id: `msg_fake_${String(this.messageCounter).padStart(6, '0')}`,
      type: 'message',
      role: 'assistant',
      model: request.model,
      content: [{ type: 'text', text }],
      stop_reason: behaviour.stopReason ?? 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: behaviour.inputTokens ?? Buffer.byteLength(raw) >> 2, output_tokens: behaviour.outputTokens ?? Math.max(1, Buffer.byteLength(text) >> 2) },
    });
  }
}

interface MessagesRequest {
  readonly model: string;
  readonly max_tokens: number;
  readonly messages: readonly { readonly role: string; readonly content: unknown }[];
}

/** The checks the real API makes first, so a malformed request fails here too. */
function requestProblem(headers: Record<string, string>, apiKey: string | undefined, body: unknown): { status: number; type: FakeErrorType; message: string } | undefined {
  if (apiKey === undefined || apiKey === '') return { status: 401, type: 'authentication_error', message: 'FAKE-RAW: x-api-key header is required' };
  if (headers['anthropic-version'] === undefined) return { status: 400, type: 'invalid_request_error', message: 'FAKE-RAW: anthropic-version header is required' };
  if (typeof body !== 'object' || body === null) return { status: 400, type: 'invalid_request_error', message: 'FAKE-RAW: body must be JSON' };
  const b = body as Partial<MessagesRequest>;
  if (typeof b.model !== 'string' || b.model === '') return { status: 400, type: 'invalid_request_error', message: 'FAKE-RAW: model: Field required' };
  if (typeof b.max_tokens !== 'number' || !Number.isInteger(b.max_tokens) || b.max_tokens < 1) return { status: 400, type: 'invalid_request_error', message: 'FAKE-RAW: max_tokens: Field required' };
  if (!Array.isArray(b.messages) || b.messages.length === 0) return { status: 400, type: 'invalid_request_error', message: 'FAKE-RAW: messages: at least one message is required' };
  for (const m of b.messages as unknown[]) {
    const msg = m as { role?: unknown; content?: unknown };
    if (msg.role !== 'user' && msg.role !== 'assistant') return { status: 400, type: 'invalid_request_error', message: 'FAKE-RAW: messages: role must be user or assistant' };
    if (textOf(msg.content) === '') return { status: 400, type: 'invalid_request_error', message: 'FAKE-RAW: messages: text content blocks must be non-empty' };
  }
  return undefined;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((block: { type?: unknown; text?: unknown }) => (block.type === 'text' && typeof block.text === 'string' ? block.text : '')).join('');
  return '';
}

function lastUserText(messages: MessagesRequest['messages']): string {
  for (let i = messages.length - 1; i >= 0; i -= 1) if (messages[i]!.role === 'user') return textOf(messages[i]!.content);
  return '';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Resolves true when the client went away first (a client-side timeout), false after `ms`. */
function waitOrClose(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(false);
    }, ms);
    const onClose = () => {
      clearTimeout(timer);
      resolve(true);
    };
    res.once('close', onClose);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const payload = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'request-id': 'req_fake', ...headers });
  res.end(payload);
}

function sendError(res: ServerResponse, status: number, type: FakeErrorType, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { type: 'error', error: { type, message } }, headers);
}
