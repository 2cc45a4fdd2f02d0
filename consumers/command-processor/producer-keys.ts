// Registered producer keys (docs/adr/0002-producer-keys.md). The registry lives in Postgres
// (registry.producer_keys, managed by `palisade producers …`); the processor keeps a cached copy,
// reloaded at once when a change is announced (LISTEN/NOTIFY), periodically as a backstop for
// changes made by hand, and on demand (rate-limited) for an unknown key id.
import pg from '../../adapters/postgres/pg.ts';
import { PRODUCER_KEYS_CHANNEL } from '../../producers/key-registry.ts';

export interface ProducerKey {
  readonly keyId: string;
  readonly publicKey: Buffer;
  /** null: every tenant. */
  readonly tenants: ReadonlySet<string> | null;
  readonly canCreateTenants: boolean;
  /** The actor kinds this key's commands may claim ('user', 'service'). */
  readonly actorKinds: ReadonlySet<string>;
  /** The only command types this key may send; null: every user command, never a service command. */
  readonly commandTypes: ReadonlySet<string> | null;
  readonly revoked: boolean;
}

export interface ProducerKeyLookup {
  get(keyId: string): ProducerKey | undefined;
}

export class StaticProducerKeys implements ProducerKeyLookup {
  private readonly keys: Map<string, ProducerKey>;
  constructor(keys: Iterable<ProducerKey>) {
    this.keys = new Map([...keys].map((k) => [k.keyId, k]));
  }
  get(keyId: string): ProducerKey | undefined {
    return this.keys.get(keyId);
  }
}

export class PgProducerKeyRegistry implements ProducerKeyLookup {
  private readonly pool: pg.Pool;
  private keys = new Map<string, ProducerKey>();
  private loadedAt = 0;
  private readonly minReloadIntervalMs: number;

  constructor(pool: pg.Pool, minReloadIntervalMs = 1_000) {
    this.pool = pool;
    this.minReloadIntervalMs = minReloadIntervalMs;
  }

  get(keyId: string): ProducerKey | undefined {
    return this.keys.get(keyId);
  }

  private listener: pg.Client | undefined;

  private running: Promise<void> | undefined;
  private pending = false;
  private reloads = 0;

  /** How many times the registry was read (a flood of notifications must not multiply this). */
  get reloadCount(): number {
    return this.reloads;
  }

  /**
   * Reloads whenever the registry announces a change. Anyone who can connect can NOTIFY the
   * channel, so notifications are coalesced: at most one reload runs and one waits behind it,
   * however many arrive; the payload is ignored (it carries nothing: see producers/key-registry.ts).
   */
  async listen(connectionString: string, onError: (error: unknown) => void): Promise<void> {
    const client = new pg.Client({ connectionString });
    client.on('notification', () => this.requestReload(onError));
    client.on('error', onError);
    await client.connect();
    await client.query(`LISTEN ${PRODUCER_KEYS_CHANNEL}`);
    this.listener = client;
  }

  async close(): Promise<void> {
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  /** A reload now, or, when one is running, exactly one more after it. */
  requestReload(onError: (error: unknown) => void): void {
    if (this.running !== undefined) {
      this.pending = true;
      return;
    }
    this.running = this.reload()
      .catch(onError)
      .finally(() => {
        this.running = undefined;
        if (this.pending) {
          this.pending = false;
          this.requestReload(onError);
        }
      });
  }

  async reload(): Promise<void> {
    this.reloads += 1;
    const { rows } = await this.pool.query<{ key_id: string; public_key: Buffer; tenants: string[] | null; can_create_tenants: boolean; actor_kinds: string[]; command_types: string[] | null; revoked_at: Date | null }>(
      'SELECT key_id, public_key, tenants, can_create_tenants, actor_kinds, command_types, revoked_at FROM registry.producer_keys',
    );
    this.keys = new Map(rows.map((r) => [r.key_id, {
      keyId: r.key_id,
      publicKey: r.public_key,
      tenants: r.tenants ? new Set(r.tenants) : null,
      canCreateTenants: r.can_create_tenants,
      actorKinds: new Set(r.actor_kinds),
      commandTypes: r.command_types ? new Set(r.command_types) : null,
      revoked: r.revoked_at !== null,
    }]));
    this.loadedAt = Date.now();
  }

  /**
   * Reloads unless the last load is younger than the minimum interval, so a stream of forged
   * key ids cannot turn into a query per record. Returns whether it reloaded.
   */
  async reloadIfStale(): Promise<boolean> {
    if (Date.now() - this.loadedAt < this.minReloadIntervalMs) return false;
    await this.reload();
    return true;
  }
}
