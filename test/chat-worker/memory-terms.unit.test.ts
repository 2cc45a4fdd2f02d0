// The pure parts of the memory blind index: term normalisation, per-(tenant, user) keyed term
// hashes, the tsvector/tsquery literals, and the shape of every SQL statement (scoped by tenant
// and user). PostgreSQL behaviour is in memory-index.int.test.ts.
import { describe, expect, it } from 'vitest';
import { MEMORY_INDEX_DDL, MEMORY_INDEX_SQL } from '../../consumers/chat-worker/memory-index-sql.ts';
import { deriveUserIndexKey, MemoryIndex, normaliseTerms, termHash, tsqueryLiteral, tsvectorLiteral } from '../../consumers/chat-worker/memory-index.ts';
import { ChatWorkerError } from '../../consumers/chat-worker/errors.ts';

const KEY = Buffer.alloc(32, 7);
const T1 = '11111111-1111-4111-8111-111111111111';
const T2 = '22222222-2222-4222-8222-222222222222';

describe('normaliseTerms', () => {
  it('lowercases, splits on non-letters and drops stopwords and one-character terms', () => {
    expect(normaliseTerms('The QUICK brown-fox; jumps over a lazy dog!')).toEqual(['quick', 'brown', 'fox', 'jumps', 'lazy', 'dog']);
  });

  it('keeps repeats (for ranking) and digits', () => {
    expect(normaliseTerms('tea, tea and more Tea at 42')).toEqual(['tea', 'tea', 'tea', '42']);
  });

  it('handles accents and other scripts (NFKC, Unicode letters)', () => {
    expect(normaliseTerms('Crème BRÛLÉE ｆｕｌｌｗｉｄｔｈ Ελληνικά 東京')).toEqual(['crème', 'brûlée', 'fullwidth', 'ελληνικά', '東京']);
    // Composed and decomposed spellings are one term.
    expect(normaliseTerms('cre\u0300me')).toEqual(normaliseTerms('crème'));
  });

  it('yields nothing for punctuation, stopwords only, or empty text', () => {
    expect(normaliseTerms('')).toEqual([]);
    expect(normaliseTerms('... !!! ---')).toEqual([]);
    expect(normaliseTerms('it is what it is')).toEqual([]);
  });

  it('drops absurdly long tokens', () => {
    expect(normaliseTerms(`ok ${'x'.repeat(65)} ${'y'.repeat(64)}`)).toEqual(['ok', 'y'.repeat(64)]);
  });
});

describe('keyed term hashes', () => {
  const hashOf = (tenant: string, user: string, term: string, key: Uint8Array = KEY) => {
    const userKey = deriveUserIndexKey(key, tenant, user);
    return termHash(userKey, term);
  };

  it('are 32 hex digits, stable for one (tenant, user, term)', () => {
    expect(hashOf(T1, 'alice', 'tea')).toMatch(/^[0-9a-f]{32}$/);
    expect(hashOf(T1, 'alice', 'tea')).toBe(hashOf(T1, 'alice', 'tea'));
  });

  it('differ for the same word between users, tenants and index keys', () => {
    const hashes = new Set([hashOf(T1, 'alice', 'tea'), hashOf(T1, 'bob', 'tea'), hashOf(T2, 'alice', 'tea'), hashOf(T1, 'alice', 'tea', Buffer.alloc(32, 8))]);
    expect(hashes.size).toBe(4);
  });

  it('cannot be confused by ids that concatenate alike', () => {
    expect(hashOf(T1, 'ab', 'x1')).not.toBe(hashOf(T1, 'a', 'bx1'));
  });

  it('keep the derived user key in secure memory', () => {
    expect((deriveUserIndexKey(KEY, T1, 'alice') as { secure?: boolean }).secure).toBe(true);
  });
});

describe('literals', () => {
  it('tsvector: one lexeme per hash with its positions', () => {
    expect(tsvectorLiteral(['aa', 'bb', 'aa'])).toBe('aa:1,3 bb:2');
    expect(tsvectorLiteral([])).toBe('');
  });

  it('tsquery: distinct hashes joined by |', () => {
    expect(tsqueryLiteral(['aa', 'bb', 'aa'])).toBe('aa | bb');
  });
});

describe('SQL', () => {
  it('every statement is scoped by tenant_id = $1 and user_id = $2', () => {
    for (const [name, sql] of Object.entries(MEMORY_INDEX_SQL)) {
      const flat = sql.replace(/\s+/g, ' ');
      if (name === 'index') {
        expect(flat).toContain('(tenant_id, user_id, memory_id, terms) values ($1, $2, $3, $4::tsvector)');
        expect(flat).toContain('on conflict (tenant_id, user_id, memory_id)');
      } else {
        expect(flat).toContain('where tenant_id = $1 and user_id = $2');
      }
    }
  });

  it('the DDL revokes PUBLIC from the schema and the table', () => {
    expect(MEMORY_INDEX_DDL).toContain('revoke all on schema chat_index from public');
    expect(MEMORY_INDEX_DDL).toContain('revoke all on table chat_index.memory_terms from public');
  });
});

describe('MemoryIndex', () => {
  const pool = {} as never;

  it('refuses an index key that is not 32 bytes', () => {
    expect(() => new MemoryIndex(pool, Buffer.alloc(16))).toThrow(ChatWorkerError);
  });

  it('makes a scope only from a canonical tenant id and a principal user id', () => {
    const index = new MemoryIndex(pool, KEY);
    expect(() => index.scope('', 'alice')).toThrow(ChatWorkerError);
    expect(() => index.scope('AAAAAAAA-1111-4111-8111-111111111111', 'alice')).toThrow(ChatWorkerError);
    expect(() => index.scope(T1, '')).toThrow(ChatWorkerError);
    expect(() => index.scope(T1, "alice' or true --")).toThrow(ChatWorkerError);
    expect(index.scope(T1, 'alice')).toMatchObject({ tenantId: T1, userId: 'alice' });
  });
});
