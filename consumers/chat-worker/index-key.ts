// The memory blind index key (memory-index.ts): derived from the master key unless configured,
// fingerprinted, and adopted by the index at start. The rows are hashed with the key whose
// fingerprint chat_index.meta keeps; another key (the master key was rotated) can never match
// them, so adopting it empties the index and resets every group's positions: the worker re-reads
// the events topic and re-indexes every memory still kept (turns already answered are skipped
// through isAnswered and REPLY_EXISTS).
import type pg from '../../adapters/postgres/pg.ts';
import type { Kek } from '../../crypto/vault/key-wrap.ts';
import { sodium } from '../../crypto/sodium.ts';
import { allocSecure } from '../../crypto/secure-memory.ts';
import type { ChatLogger } from './provider.ts';
import { inTransaction } from './transaction.ts';

const INDEX_KEY_ID_CONTEXT = Buffer.from('palisade/chat-index-key-id/v1', 'utf8');
const INDEX_KEY_CONTEXT = Buffer.from('palisade/chat-index-key/v1', 'utf8');

/** The memory index key, derived from the master key: keyed BLAKE2b-256 of a fixed context. In secure memory: zero it. */
export function deriveIndexKey(masterKey: Kek): Buffer {
  const out = allocSecure(32);
  sodium.crypto_generichash(out, INDEX_KEY_CONTEXT, masterKey.key);
  return out;
}

/** Public fingerprint of an index key (what chat_index.meta keeps). */
export function indexKeyId(indexKey: Uint8Array): string {
  const out = Buffer.alloc(16);
  sodium.crypto_generichash(out, INDEX_KEY_ID_CONTEXT, indexKey);
  return out.toString('hex');
}

/** Records `indexKey`'s fingerprint in chat_index.meta; a different one there empties the index first (see the top). */
export async function adoptIndexKey(db: pg.Pool, indexKey: Uint8Array, log: ChatLogger): Promise<void> {
  const id = indexKeyId(indexKey);
  await inTransaction(db, async (client) => {
    await client.query('lock table chat_index.meta in exclusive mode');
    const { rows } = await client.query<{ index_key_id: string }>('select index_key_id from chat_index.meta');
    if (rows[0] === undefined) {
      await client.query('insert into chat_index.meta (index_key_id) values ($1)', [id]);
    } else if (rows[0].index_key_id !== id) {
      await client.query('delete from chat_index.memory_terms');
      await client.query('delete from chat_index.positions');
      await client.query('update chat_index.meta set index_key_id = $1, updated_at = now()', [id]);
      log.warn({ indexKeyId: id }, 'the memory index key changed (master key rotated?): index emptied, re-reading the events topic to rebuild it');
    }
  });
}
