// Per-user memory search without plaintext in the database: a blind index (issue 7).
//
// Memory text is normalised into terms (NFKC, lowercase, split on anything but letters and
// digits, stopwords and one-character terms dropped) and each term is replaced by a keyed hash:
//   userKey = BLAKE2b-256(key = indexKey, "palisade/chat-index/v1\n" + JSON([tenantId, userId]))
//   term    = hex(BLAKE2b-128(key = userKey, UTF-8(term)))
// stored with its positions as a PostgreSQL tsvector (chat_index.memory_terms, see
// memory-index-sql.ts), so ts_rank ranks by how often the query's terms occur.
//
// What this protects, and what not:
// - Whoever can read the table but lacks the index key sees only hashes. They reveal equality:
//   that two of ONE user's memories share a term, and term frequencies. The same word in two
//   users' (or tenants') memories hashes differently, so nothing links users.
// - With the index key, a reader can test guessed words (a dictionary attack): the key is a
//   worker secret (32 bytes from config, like the master key), never stored with the data.
// - Erasure (UserErased, TenantDeleted) must DELETE the rows (`eraseAll`): the index key is not
//   destroyed with the user's DEK, so rows left behind would stay guessable. The memory text
//   itself lives only sealed under the user's DEK (events, read model), which erasure shreds.
// - Only exact (normalised) terms match: no prefixes, no stemming, no fuzziness.
//
// Isolation by construction: the only way to reach the table is a UserMemoryScope, made from a
// (tenantId, userId) pair; each of its statements is `where tenant_id = $1 and user_id = $2`, and
// the hashes of a query are made with that user's key, so even a bug in the SQL could not match
// another user's rows. Searching returns memory ids; the caller opens the sealed content.
import type pg from '../../adapters/postgres/pg.ts';
import { isCanonicalUuid, isPrincipalId } from '../../domain/validation.ts';
import { allocSecure, zero } from '../../crypto/secure-memory.ts';
import { sodium } from '../../crypto/sodium.ts';
import { ChatWorkerError } from './errors.ts';
import { MEMORY_INDEX_SQL, MEMORY_INDEX_TENANT_SQL } from './memory-index-sql.ts';

export const INDEX_KEY_BYTES = 32;
const TERM_HASH_BYTES = 16;
const KDF_CONTEXT = 'palisade/chat-index/v1\n';
/** tsvector positions are 1..16383; PostgreSQL keeps at most 256 per lexeme, we keep fewer. */
const MAX_POSITION = 16383;
const MAX_POSITIONS_PER_TERM = 64;
const MAX_QUERY_TERMS = 64;
export const MAX_TERM_LENGTH = 64;
export const MAX_SEARCH_LIMIT = 100;

/** Common English function words: they match everything and say nothing. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves'
  ).split(' '),
);

const SEPARATOR = /[^\p{L}\p{M}\p{N}]+/u;

/** The terms of `text`, in order, repeats kept (positions matter for ranking). */
export function normaliseTerms(text: string): string[] {
  const terms: string[] = [];
  for (const token of text.normalize('NFKC').toLowerCase().split(SEPARATOR)) {
    const length = [...token].length;
    if (length < 2 || length > MAX_TERM_LENGTH || STOPWORDS.has(token)) continue;
    terms.push(token);
  }
  return terms;
}

/** The user's index key, in secure memory: the caller zeroes it. */
export function deriveUserIndexKey(indexKey: Uint8Array, tenantId: string, userId: string): Buffer {
  const key = allocSecure(32);
  sodium.crypto_generichash(key, Buffer.from(KDF_CONTEXT + JSON.stringify([tenantId, userId]), 'utf8'), indexKey);
  return key;
}

/** Hex keyed hash of one term under a user's index key. */
export function termHash(userKey: Uint8Array, term: string): string {
  const out = Buffer.alloc(TERM_HASH_BYTES);
  sodium.crypto_generichash(out, Buffer.from(term, 'utf8'), userKey);
  return out.toString('hex');
}

/** tsvector literal `hash:pos,pos hash:pos …` of `terms` (positions 1-based, capped). */
export function tsvectorLiteral(hashes: readonly string[]): string {
  const positions = new Map<string, number[]>();
  hashes.forEach((hash, i) => {
    const list = positions.get(hash) ?? [];
    if (list.length < MAX_POSITIONS_PER_TERM && i + 1 <= MAX_POSITION) list.push(i + 1);
    positions.set(hash, list);
  });
  return [...positions].map(([hash, list]) => (list.length === 0 ? hash : `${hash}:${list.join(',')}`)).join(' ');
}

/** tsquery literal `a | b | …` (any term matches; rank orders by how many and how often). */
export function tsqueryLiteral(hashes: readonly string[]): string {
  return [...new Set(hashes)].slice(0, MAX_QUERY_TERMS).join(' | ');
}

export interface UserMemoryScope {
  readonly tenantId: string;
  readonly userId: string;
  /** Indexes (or re-indexes) one memory's text. */
  index(memoryId: string, text: string): Promise<void>;
  /** Removes one memory; whether it was indexed. */
  forget(memoryId: string): Promise<boolean>;
  /** Memory ids of this user matching any term of `query`, best first (ts_rank, then id). */
  search(query: string, limit: number): Promise<string[]>;
  /** Removes every memory of this user (erasure); how many rows went. */
  eraseAll(): Promise<number>;
}

export class MemoryIndex {
  private readonly pool: pg.Pool;
  private readonly indexKey: Uint8Array;

  /** `indexKey`: 32 secret bytes (config), kept by reference: the caller keeps it alive and zeroes it at shutdown. */
  constructor(pool: pg.Pool, indexKey: Uint8Array) {
    if (indexKey.byteLength !== INDEX_KEY_BYTES) throw new ChatWorkerError('INVALID_ARGUMENT', `the memory index key must be ${INDEX_KEY_BYTES} bytes`);
    this.pool = pool;
    this.indexKey = indexKey;
  }

  scope(tenantId: string, userId: string): UserMemoryScope {
    if (!isCanonicalUuid(tenantId)) throw new ChatWorkerError('INVALID_ARGUMENT', 'tenantId must be a lowercase canonical UUID');
    if (!isPrincipalId(userId)) throw new ChatWorkerError('INVALID_ARGUMENT', 'userId must be a principal id');
    return new Scope(this.pool, this.indexKey, tenantId, userId);
  }

  /** TenantDeleted: removes every row of the tenant (all its users); how many rows went. */
  async eraseTenant(tenantId: string): Promise<number> {
    if (!isCanonicalUuid(tenantId)) throw new ChatWorkerError('INVALID_ARGUMENT', 'tenantId must be a lowercase canonical UUID');
    const result = await this.pool.query(MEMORY_INDEX_TENANT_SQL.eraseTenant, [tenantId]);
    return result.rowCount ?? 0;
  }
}

class Scope implements UserMemoryScope {
  readonly tenantId: string;
  readonly userId: string;
  private readonly pool: pg.Pool;
  private readonly indexKey: Uint8Array;

  constructor(pool: pg.Pool, indexKey: Uint8Array, tenantId: string, userId: string) {
    this.pool = pool;
    this.indexKey = indexKey;
    this.tenantId = tenantId;
    this.userId = userId;
  }

  async index(memoryId: string, text: string): Promise<void> {
    checkMemoryId(memoryId);
    const terms = tsvectorLiteral(this.hashes(normaliseTerms(text)));
    await this.pool.query(MEMORY_INDEX_SQL.index, [this.tenantId, this.userId, memoryId, terms]);
  }

  async forget(memoryId: string): Promise<boolean> {
    checkMemoryId(memoryId);
    const result = await this.pool.query(MEMORY_INDEX_SQL.forget, [this.tenantId, this.userId, memoryId]);
    return (result.rowCount ?? 0) > 0;
  }

  async search(query: string, limit: number): Promise<string[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw new ChatWorkerError('INVALID_ARGUMENT', `limit must be an integer in 1..${MAX_SEARCH_LIMIT}`);
    const terms = normaliseTerms(query);
    if (terms.length === 0) return [];
    const tsquery = tsqueryLiteral(this.hashes(terms));
    const { rows } = await this.pool.query<{ memory_id: string }>(MEMORY_INDEX_SQL.search, [this.tenantId, this.userId, tsquery, limit]);
    return rows.map((row) => row.memory_id);
  }

  async eraseAll(): Promise<number> {
    const result = await this.pool.query(MEMORY_INDEX_SQL.eraseAll, [this.tenantId, this.userId]);
    return result.rowCount ?? 0;
  }

  /** Derives the user's key for this one operation and zeroes it after. */
  private hashes(terms: readonly string[]): string[] {
    const userKey = deriveUserIndexKey(this.indexKey, this.tenantId, this.userId);
    try {
      return terms.map((term) => termHash(userKey, term));
    } finally {
      zero(userKey);
    }
  }
}

function checkMemoryId(memoryId: string): void {
  if (!isCanonicalUuid(memoryId)) throw new ChatWorkerError('INVALID_ARGUMENT', 'memoryId must be a lowercase canonical UUID');
}
