// Failure mapping of provider errors (the SDK's own error classes, as it builds them from a
// response) to turn failure reasons, retry-after parsing, and the retry schedule. No network.
import { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { classifyProviderError, DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, type ClassifiedFailure } from '../../consumers/chat-worker/provider.ts';

function apiError(status: number, type: string, headers: Record<string, string> = {}): APIError {
  return APIError.generate(status, { type: 'error', error: { type, message: 'raw provider text' } }, undefined, new Headers(headers));
}

describe('classifyProviderError', () => {
  it.each([
    [401, 'authentication_error', 'KEY_REJECTED', false],
    [403, 'permission_error', 'KEY_REJECTED', false],
    [429, 'rate_limit_error', 'RATE_LIMITED', true],
    [529, 'overloaded_error', 'OVERLOADED', true],
    [500, 'api_error', 'PROVIDER_ERROR', false],
    [400, 'invalid_request_error', 'PROVIDER_ERROR', false],
    [404, 'not_found_error', 'PROVIDER_ERROR', false],
    [504, 'timeout_error', 'TIMEOUT', false],
  ] as const)('maps HTTP %i %s to %s (retryable: %s)', (status, type, reason, retryable) => {
    const failure = classifyProviderError(apiError(status, type));
    expect(failure).toEqual({ reason, retryable, status });
  });

  it('maps an overloaded_error body under another status to OVERLOADED', () => {
    expect(classifyProviderError(apiError(503, 'overloaded_error')).reason).toBe('OVERLOADED');
  });

  it('maps a client-side timeout to TIMEOUT and a connection failure to PROVIDER_ERROR', () => {
    expect(classifyProviderError(new APIConnectionTimeoutError())).toEqual({ reason: 'TIMEOUT', retryable: false });
    expect(classifyProviderError(new APIConnectionError({ message: 'ECONNREFUSED' }))).toEqual({ reason: 'PROVIDER_ERROR', retryable: false });
  });

  it('maps anything else to PROVIDER_ERROR', () => {
    expect(classifyProviderError(new Error('boom'))).toEqual({ reason: 'PROVIDER_ERROR', retryable: false });
    expect(classifyProviderError('weird')).toEqual({ reason: 'PROVIDER_ERROR', retryable: false });
  });

  it('carries the retry-after of a 429 and a 529', () => {
    expect(classifyProviderError(apiError(429, 'rate_limit_error', { 'retry-after': '7' })).retryAfterMs).toBe(7000);
    expect(classifyProviderError(apiError(529, 'overloaded_error', { 'retry-after-ms': '250' })).retryAfterMs).toBe(250);
  });

  it('keeps nothing of the provider text', () => {
    const failure = classifyProviderError(apiError(401, 'authentication_error'));
    expect(JSON.stringify(failure)).not.toContain('raw provider text');
  });
});

describe('parseRetryAfter', () => {
  const now = () => Date.parse('2026-11-23T10:00:00.000Z');
  it.each([
    [{ 'retry-after': '3' }, 3000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after-ms': '1500', 'retry-after': '9' }, 1500],
    [{ 'retry-after': 'Mon, 23 Nov 2026 10:00:04 GMT' }, 4000],
    [{ 'retry-after': 'Mon, 23 Nov 2026 09:59:00 GMT' }, 0],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%j → %s', (headers, expected) => {
    expect(parseRetryAfter(new Headers(headers), now)).toBe(expected);
  });
});

describe('retryDelay', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250, maxRetryAfterMs: 5000 };
  const overloaded: ClassifiedFailure = { reason: 'OVERLOADED', retryable: true };

  it('backs off exponentially up to the maximum, then stops at maxAttempts', () => {
    expect([1, 2, 3, 4].map((retry) => retryDelay(overloaded, retry, policy))).toEqual([100, 200, 250, undefined]);
  });

  it('honours retry-after, and gives up on one longer than maxRetryAfterMs', () => {
    expect(retryDelay({ reason: 'RATE_LIMITED', retryable: true, retryAfterMs: 3000 }, 1, policy)).toBe(3000);
    expect(retryDelay({ reason: 'RATE_LIMITED', retryable: true, retryAfterMs: 60_000 }, 1, policy)).toBeUndefined();
  });

  it('never retries what is not retryable', () => {
    expect(retryDelay({ reason: 'KEY_REJECTED', retryable: false }, 1, policy)).toBeUndefined();
    expect(retryDelay({ reason: 'TIMEOUT', retryable: false }, 1, policy)).toBeUndefined();
  });
});
