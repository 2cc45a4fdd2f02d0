// The processor's intake key pair in vault.intake_keys (migration 0012): one active row, created
// on first use, race-safe; its secret half wrapped by the KEK (intake-wrap.ts).
import type pg from '../../../adapters/postgres/pg.ts';
import { zero } from '../../secure-memory.ts';
import { type Kek, generateIntakeKeyPair } from '../index.ts';
import { KeyStoreError } from './errors.ts';
import { type WrappedIntakeKey, wrapIntakeKey } from './intake-wrap.ts';
import { INTAKE_COLUMNS, type IntakeRow } from './rows.ts';

/** The active intake key row, created (wrapped by `kek`) when there is none; `created` says whether this call made it. */
export async function activeIntakeRow(pool: pg.Pool, kek: Kek): Promise<{ row: IntakeRow; created: boolean }> {
  const select = async () => (await pool.query<IntakeRow>(`select ${INTAKE_COLUMNS} from vault.intake_keys where active`)).rows[0];
  let row = await select();
  let created = false;
  if (row === undefined) {
    const pair = generateIntakeKeyPair();
    let wrapped: WrappedIntakeKey;
    try {
      wrapped = wrapIntakeKey(pair, kek);
    } finally {
      zero(pair.secretKey);
    }
    // The partial unique index admits one active row: a concurrent creator's insert does nothing.
    const inserted = await pool.query<IntakeRow>(
      `insert into vault.intake_keys (public_key, kek_id, nonce, ciphertext) values ($1, $2, $3, $4) on conflict do nothing returning ${INTAKE_COLUMNS}`,
      [wrapped.publicKey, wrapped.kekId, wrapped.nonce, wrapped.ciphertext],
    );
    created = inserted.rows[0] !== undefined;
    row = inserted.rows[0] ?? (await select());
    if (row === undefined) throw new KeyStoreError('ROW_MALFORMED', 'the intake key vanished while it was being created');
  }
  return { row, created };
}
