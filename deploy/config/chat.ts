// The chat worker's configuration (consumers/chat-worker/service.ts), validated at start: a bad
// value throws ConfigError naming the variable and how to fix it, and the worker refuses to start.
// Reads PALISADE_ANTHROPIC_BASE_URL, PALISADE_CHAT_MODEL, PALISADE_CHAT_MAX_TOKENS,
// PALISADE_CHAT_TIMEOUT_MS, PALISADE_CHAT_MEMORY_LIMIT, PALISADE_CHAT_WORKER_KEY_FILE and
// PALISADE_LEGACY_SECRET (README.md's table says what each means and its default).
// The environment is read here only: the worker and the provider call get explicit values, so no
// ANTHROPIC_* variable of the process can change where a user's key goes.
import { join } from 'node:path';
import { envValue, legacySecretOption, parseIntegerVariable, type Env } from './env.ts';
import type { AppConfig } from './config.ts';
import { ConfigError } from './errors.ts';
import { onLocalStackServer, recordedLocalStack } from './local-stack.ts';

export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_CHAT_MODEL = 'claude-sonnet-4-6';
export const CHAT_WORKER_KEY_FILE_ENV = 'PALISADE_CHAT_WORKER_KEY_FILE';

export interface ChatConfig {
  readonly baseURL: string;
  readonly model: string;
  readonly maxTokens: number;
  readonly timeoutMs: number;
  readonly memoryLimit: number;
  readonly legacySecret?: string;
  /** Where the worker's producer key comes from. */
  readonly producerKey:
    | { readonly kind: 'file'; readonly file: string }
    /** The local stack: this file, created and registered if absent. */
    | { readonly kind: 'dev-file'; readonly file: string };
}

function parseBaseUrl(env: Env): string {
  const value = envValue(env, 'PALISADE_ANTHROPIC_BASE_URL');
  if (value === undefined) return DEFAULT_ANTHROPIC_BASE_URL;
  const example = `set it like PALISADE_ANTHROPIC_BASE_URL=${DEFAULT_ANTHROPIC_BASE_URL}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('PALISADE_ANTHROPIC_BASE_URL', 'is not a URL', example);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('PALISADE_ANTHROPIC_BASE_URL', `has scheme "${url.protocol}"`, example);
  if (url.username !== '' || url.password !== '') throw new ConfigError('PALISADE_ANTHROPIC_BASE_URL', 'carries credentials', 'remove the user:password part (keys are per user, from the vault)');
  if (url.search !== '' || url.hash !== '') throw new ConfigError('PALISADE_ANTHROPIC_BASE_URL', 'has a query or fragment', example);
  return value.replace(/\/+$/, '');
}

function parseModel(env: Env): string {
  const value = envValue(env, 'PALISADE_CHAT_MODEL');
  if (value === undefined) return DEFAULT_CHAT_MODEL;
  if (!/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/.test(value))
    throw new ConfigError('PALISADE_CHAT_MODEL', `is "${value}", not a model id`, `set it like PALISADE_CHAT_MODEL=${DEFAULT_CHAT_MODEL}`);
  return value;
}

/** The chat worker's settings; `dataDir` and `databaseUrl` from loadConfig(). */
export function loadChatConfig({ dataDir, databaseUrl }: Pick<AppConfig, 'dataDir' | 'databaseUrl'>, env: Env = process.env): ChatConfig {
  const baseURL = parseBaseUrl(env);
  const model = parseModel(env);
  const maxTokens = parseIntegerVariable(env, 'PALISADE_CHAT_MAX_TOKENS', { min: 1, max: 64_000 }, 1024);
  const timeoutMs = parseIntegerVariable(env, 'PALISADE_CHAT_TIMEOUT_MS', { min: 1_000, max: 600_000 }, 60_000);
  const memoryLimit = parseIntegerVariable(env, 'PALISADE_CHAT_MEMORY_LIMIT', { min: 0, max: 20 }, 5);
  const keyFile = envValue(env, CHAT_WORKER_KEY_FILE_ENV);
  let producerKey: ChatConfig['producerKey'];
  if (keyFile !== undefined) {
    producerKey = { kind: 'file', file: keyFile };
  } else {
    if (!onLocalStackServer(recordedLocalStack(dataDir), databaseUrl))
      throw new ConfigError(
        CHAT_WORKER_KEY_FILE_ENV,
        'is not set (and this is not the local stack, where a development key is made)',
        'register a producer key (`palisade producers register --id chat-worker-1 --description "chat worker"`) and point the variable at its key file',
      );
    producerKey = { kind: 'dev-file', file: join(dataDir, 'keys', 'chat-worker.json') };
  }
  return Object.freeze({ baseURL, model, maxTokens, timeoutMs, memoryLimit, ...legacySecretOption(env), producerKey });
}
