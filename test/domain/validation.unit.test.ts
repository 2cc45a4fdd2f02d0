import { describe, expect, it } from 'vitest';
import {
  codePointLength,
  emailKey,
  findShapeProblem,
  isCanonicalUuid,
  isPlainObject,
  isPrincipalId,
} from '../../domain/validation.ts';

describe('isCanonicalUuid', () => {
  it.each([
    ['0b9e3c1a-4f2d-4c8e-9a7b-1d2e3f4a5b6c', true],
    ['00000000-0000-0000-0000-000000000000', true],
    ['0B9E3C1A-4F2D-4C8E-9A7B-1D2E3F4A5B6C', false],
    ['0b9e3c1a4f2d4c8e9a7b1d2e3f4a5b6c', false],
    ['0b9e3c1a-4f2d-4c8e-9a7b-1d2e3f4a5b6', false],
    ['0b9e3c1a-4f2d-4c8e-9a7b-1d2e3f4a5b6g', false],
  ])('%s → %s', (value, expected) => {
    expect(isCanonicalUuid(value)).toBe(expected);
  });
});

describe('isPrincipalId', () => {
  it.each([
    ['a', true],
    ['9', true],
    ['svc.billing:v2@eu-west_1', true],
    ['a'.repeat(128), true],
    ['a'.repeat(129), false],
    ['-a', false],
    ['_a', false],
    ['a b', false],
    ['é', false],
    ['a\n', false],
  ])('%j → %s', (value, expected) => {
    expect(isPrincipalId(value)).toBe(expected);
  });
});

describe('isPlainObject', () => {
  it('accepts JSON objects, including null-prototype ones', () => {
    expect(isPlainObject({ a: 1 })).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
  });
  it('refuses arrays, null, primitives and class instances', () => {
    for (const value of [[], null, 'x', 1, new Map(), new (class Payload {})()]) expect(isPlainObject(value)).toBe(false);
  });
});

describe('findShapeProblem', () => {
  it('reports an unknown field before a missing one', () => {
    expect(findShapeProblem({ extra: 1 }, ['needed'], [])).toBe('unknown field "extra"');
  });
  it('treats an undefined required field as missing', () => {
    expect(findShapeProblem({ needed: undefined }, ['needed'], [])).toBe('missing field "needed"');
  });
  it('accepts optional fields and prefixes paths', () => {
    expect(findShapeProblem({ a: 1, b: 2 }, ['a'], ['b'])).toBeUndefined();
    expect(findShapeProblem({}, ['a'], [], 'owner.')).toBe('missing field "owner.a"');
  });
});

describe('codePointLength and emailKey', () => {
  it('counts an astral character once', () => {
    expect(codePointLength('a🛡b')).toBe(3);
  });
  it('folds case for comparison only', () => {
    expect(emailKey('Bob@Example.COM')).toBe(emailKey('bob@example.com'));
  });
});
