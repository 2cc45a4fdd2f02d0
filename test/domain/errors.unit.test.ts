import { describe, expect, it } from 'vitest';
import { isAuthorizationCode, REJECTION_CODES, RejectionCode, rejection } from '../../domain/errors.ts';

describe('rejection codes', () => {
  it('are their own names, so a code reads the same in logs, JSON and code', () => {
    for (const [name, code] of Object.entries(RejectionCode)) expect(code).toBe(name);
  });
  it('are SCREAMING_SNAKE_CASE', () => {
    for (const code of REJECTION_CODES) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
  });
  it('mark exactly NOT_A_MEMBER, FORBIDDEN and the NOT_*_OWNER codes as authorization refusals', () => {
    expect(REJECTION_CODES.filter(isAuthorizationCode)).toStrictEqual(['NOT_A_MEMBER', 'FORBIDDEN', 'NOT_SOURCE_OWNER', 'NOT_CONVERSATION_OWNER', 'NOT_MEMORY_OWNER']);
  });
});

describe('rejection()', () => {
  it('derives the authorization flag from the code', () => {
    expect(rejection('FORBIDDEN', 'no')).toStrictEqual({ code: 'FORBIDDEN', message: 'no', authorization: true });
    expect(rejection('LAST_OWNER', 'no')).toStrictEqual({ code: 'LAST_OWNER', message: 'no', authorization: false });
    expect(rejection('NOT_SOURCE_OWNER', 'no')).toStrictEqual({ code: 'NOT_SOURCE_OWNER', message: 'no', authorization: true });
    expect(rejection('LEGACY_ALREADY_RESEALED', 'no')).toStrictEqual({ code: 'LEGACY_ALREADY_RESEALED', message: 'no', authorization: false });
    expect(rejection('NOT_CONVERSATION_OWNER', 'no')).toStrictEqual({ code: 'NOT_CONVERSATION_OWNER', message: 'no', authorization: true });
    expect(rejection('NOT_MEMORY_OWNER', 'no')).toStrictEqual({ code: 'NOT_MEMORY_OWNER', message: 'no', authorization: true });
    expect(rejection('REPLY_EXISTS', 'no')).toStrictEqual({ code: 'REPLY_EXISTS', message: 'no', authorization: false });
  });
});
