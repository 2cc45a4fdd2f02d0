// KEK rotation of the key store: every DEK row and intake key rewrapped under the new master key,
// in batches, resumable, verified complete at the end (`palisade vault rotate-kek`).
import type pg from '../../../adapters/postgres/pg.ts';
import { type Kek, type WrappedDek, VaultError, rewrap } from '../index.ts';
import { KeyStoreError } from './errors.ts';
import { rewrapIntakeKey } from './intake-wrap.ts';
import { DEK_COLUMNS, type DekRow, INTAKE_COLUMNS, type IntakeRow, dekOfRow, inTransaction, intakeOfRow, invalid } from './rows.ts';

export interface RotationProgress {
  readonly phase: 'deks' | 'intake-keys';
  /** Rows rewrapped so far in this phase (committed). */
  readonly done: number;
  /** Rows that were not under the new KEK when the phase began (at least `done`). */
  readonly total: number;
}

export interface RotateKekOptions {
  /** DEK rows per transaction (1..10000, default 500). */
  readonly batchSize?: number;
  /** Called after each committed batch; a throw stops the rotation (rerun to resume). */
  readonly onProgress?: (progress: RotationProgress) => void | Promise<void>;
}

export interface RotateKekResult {
  /** DEK rows this call rewrapped (rows already under the new KEK are skipped: resumable). */
  readonly rewrapped: number;
  /** Intake key rows this call rewrapped. */
  readonly intakeKeys: number;
  readonly oldKekId: string;
  readonly newKekId: string;
}

/**
 * KEK rotation: rewraps every DEK row and every intake key not yet under `newKek` (batches of
 * `batchSize` rows, one transaction each, rows locked), then verifies that no row is wrapped
 * by any other KEK (ROTATION_INCOMPLETE otherwise). Resumable: rerun after an interruption and
 * it continues with the rows still under the old KEK. Stores keep wrapping new keys with their
 * own (old) KEK: switch the services to the new one once this returns. `onRewrapped` runs after
 * each committed batch, for caches of wrapped keys to forget.
 */
export async function rotateKek(pool: pg.Pool, oldKek: Kek, newKek: Kek, options: RotateKekOptions = {}, onRewrapped: () => void = () => undefined): Promise<RotateKekResult> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw invalid('batchSize must be a whole number in 1..10000');
  if (newKek.id === oldKek.id) {
    throw new KeyStoreError('SAME_KEK', `the new master key is the one in use (kekId ${oldKek.id}); give a different key`);
  }
  const countNotUnder = async (table: 'deks' | 'intake_keys'): Promise<number> => {
    const { rows } = await pool.query<{ n: number }>(`select count(*)::integer as n from vault.${table} where kek_id <> $1`, [newKek.id]);
    return rows[0]?.n ?? 0;
  };
  const unknownKek = (kekId: string, what: string) =>
    new KeyStoreError(
      'UNKNOWN_KEK',
      `${what} is wrapped by kekId ${kekId}, neither the current master key (${oldKek.id}) nor the new one (${newKek.id}); ` +
        'rotate it with the master key it was made with first',
    );

  // Fail before changing anything when some row is under a KEK we do not have.
  const strangers = await pool.query<{ kek_id: string; what: string }>(
    `select kek_id, 'a DEK row' as what from vault.deks where kek_id <> all($1::text[])
     union all select kek_id, 'an intake key' from vault.intake_keys where kek_id <> all($1::text[]) limit 1`,
    [[oldKek.id, newKek.id]],
  );
  if (strangers.rows[0] !== undefined) throw unknownKek(strangers.rows[0].kek_id, strangers.rows[0].what);

  const total = await countNotUnder('deks');
  let rewrapped = 0;
  // New rows may appear behind the cursor while a processor still runs on the old KEK: a few passes.
  for (let pass = 0; pass < 3; pass++) {
    let cursor: { tenantId: string; kid: string; kv: number } | undefined;
    for (;;) {
      const batch = await inTransaction(pool, async (client) => {
        const { rows } = await client.query<DekRow>(
          `select ${DEK_COLUMNS} from vault.deks where kek_id <> $1
           ${cursor === undefined ? '' : 'and (tenant_id, kid, kv) > ($3::uuid, $4::text, $5::integer)'}
           order by tenant_id, kid, kv limit $2 for update`,
          cursor === undefined ? [newKek.id, batchSize] : [newKek.id, batchSize, cursor.tenantId, cursor.kid, cursor.kv],
        );
        for (const row of rows) {
          if (row.kek_id !== oldKek.id) throw unknownKek(row.kek_id, `vault.deks row (${row.tenant_id}, ${row.kid}, ${row.kv})`);
          let next: WrappedDek;
          try {
            next = rewrap(dekOfRow(row), oldKek, newKek);
          } catch (error) {
            if (!(error instanceof VaultError)) throw error;
            throw new KeyStoreError('ROW_MALFORMED', `vault.deks row (${row.tenant_id}, ${row.kid}, ${row.kv}) does not unwrap with the current master key (${error.code})`, { cause: error });
          }
          await client.query(
            'update vault.deks set kek_id = $4, nonce = $5, ciphertext = $6 where tenant_id = $1 and kid = $2 and kv = $3',
            [row.tenant_id, row.kid, row.kv, next.kekId, next.nonce, next.ciphertext],
          );
        }
        const last = rows[rows.length - 1];
        return { count: rows.length, last: last === undefined ? undefined : { tenantId: last.tenant_id, kid: last.kid, kv: last.kv } };
      });
      if (batch.count === 0) break;
      rewrapped += batch.count;
      cursor = batch.last;
      onRewrapped();
      await options.onProgress?.({ phase: 'deks', done: rewrapped, total: Math.max(total, rewrapped) });
    }
    if ((await countNotUnder('deks')) === 0) break;
  }

  const intakeTotal = await countNotUnder('intake_keys');
  const intakeKeys = await inTransaction(pool, async (client) => {
    const { rows } = await client.query<IntakeRow>(`select ${INTAKE_COLUMNS} from vault.intake_keys where kek_id <> $1 order by id for update`, [newKek.id]);
    for (const row of rows) {
      if (row.kek_id !== oldKek.id) throw unknownKek(row.kek_id, `vault.intake_keys row ${row.id}`);
      const next = rewrapIntakeKey(intakeOfRow(row), oldKek, newKek);
      await client.query('update vault.intake_keys set kek_id = $2, nonce = $3, ciphertext = $4 where id = $1', [row.id, next.kekId, next.nonce, next.ciphertext]);
    }
    return rows.length;
  });
  onRewrapped();
  if (intakeKeys > 0 || intakeTotal > 0) await options.onProgress?.({ phase: 'intake-keys', done: intakeKeys, total: Math.max(intakeTotal, intakeKeys) });

  const left = { deks: await countNotUnder('deks'), intake: await countNotUnder('intake_keys') };
  if (left.deks > 0 || left.intake > 0) {
    throw new KeyStoreError(
      'ROTATION_INCOMPLETE',
      `${left.deks} DEK row(s) and ${left.intake} intake key(s) are still not under the new master key (a processor running on the old key keeps creating them): ` +
        'stop the processors and run the rotation again',
      { retriable: true },
    );
  }
  return { rewrapped, intakeKeys, oldKekId: oldKek.id, newKekId: newKek.id };
}
