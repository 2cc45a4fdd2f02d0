// What a turn reads with the service login (README.md "Wiring"): the active generation's
// members, conversations and chat_messages tables, and the projection positions. Content and
// provider keys are read through the opener role instead (chat-content-reader.ts,
// ../vault/secrets-reader.ts). The local stack's login is the superuser; production needs a
// dedicated role with SELECT on those tables, projection_meta.generations and .offsets, and the
// chat_index schema, and nothing else.
//
// Read models lag the stream. Before a turn reads anything, the worker waits (bounded, with
// backoff) until the active generation of every read model it reads has projected the turn's
// record — the projector stores that position with the rows — so the history, the memories and
// the provider key are at least as new as the message. On timeout the batch is retried (nothing
// is committed). A read model ahead of the record is fine: history is cut at the message's seq.
import type pg from '../../adapters/postgres/pg.ts';
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import { ProjectionLagError } from './errors.ts';
import { pause } from './pause.ts';
import type { TurnScope } from './turn.ts';

/** The read models a turn reads: it waits until each projected the turn's record. */
export const TURN_READ_MODELS = ['members', 'conversations', 'chat_content', 'secrets'] as const;

export interface TurnReadModelsOptions {
  /** The service login's pool (throws once the worker stopped). */
  readonly db: () => pg.Pool;
  /** The events topic, whose positions the projector stores. */
  readonly topic: string;
  /** How long waitFor waits before giving up. */
  readonly waitMs: number;
  /** Aborted at shutdown: ends a wait with ProjectionLagError. */
  readonly signal: AbortSignal;
}

export class TurnReadModels {
  private readonly options: TurnReadModelsOptions;

  constructor(options: TurnReadModelsOptions) {
    this.options = options;
  }

  /** Waits until every read model a turn reads projected `offset` of `partition` (see the top); ProjectionLagError on timeout. */
  async waitFor(partition: number, offset: bigint): Promise<void> {
    const deadline = Date.now() + this.options.waitMs;
    let delay = 25;
    for (;;) {
      const { rows } = await this.options.db().query<{ model: string; next_offset: string | null }>(
        `select g.model, o.next_offset from projection_meta.generations g
         left join projection_meta.offsets o on o.model = g.model and o.generation = g.generation and o.topic = $1 and o.partition = $2
         where g.state = 'active' and g.model = any($3::text[])`,
        [this.options.topic, partition, [...TURN_READ_MODELS]],
      );
      const ready = TURN_READ_MODELS.every((model) => {
        const row = rows.find((r) => r.model === model);
        return row !== undefined && BigInt(row.next_offset ?? '0') > offset;
      });
      if (ready) return;
      if (Date.now() >= deadline || this.options.signal.aborted) throw new ProjectionLagError();
      await pause(delay, this.options.signal);
      delay = Math.min(delay * 2, 1_000);
    }
  }

  /** 'gone' when the user was erased or is no longer an active member of the tenant. */
  async userStatus(tenantId: string, userId: string): Promise<'active' | 'gone'> {
    const schema = await this.liveSchema('members');
    if (schema === undefined) throw new ProjectionLagError();
    const { rows } = await this.options.db().query(`select 1 from ${schema}.members where tenant_id = $1 and user_id = $2 and status = 'active'`, [tenantId, userId]);
    return rows.length > 0 ? 'active' : 'gone';
  }

  /** Whether the message already has a reply or a failure (a redelivery). */
  async isAnswered(scope: TurnScope, messageId: string): Promise<boolean> {
    const schema = await this.liveSchema('conversations');
    if (schema === undefined) return false;
    const { rows } = await this.options.db().query(
      `select 1 from ${schema}.chat_messages where tenant_id = $1 and conversation_id = $2 and user_id = $3 and reply_to = $4 and role in ('assistant', 'failure') limit 1`,
      [scope.tenantId, scope.conversationId, scope.userId, messageId],
    );
    return rows.length > 0;
  }

  /** The user's active conversation and its chosen model (null: none chosen); undefined when there is none. */
  async activeConversation(scope: TurnScope): Promise<{ readonly model: string | null } | undefined> {
    const schema = await this.liveSchema('conversations');
    if (schema === undefined) throw new ProjectionLagError();
    const { rows } = await this.options.db().query<{ model: string | null }>(
      `select model from ${schema}.conversations where tenant_id = $1 and conversation_id = $2 and user_id = $3 and status = 'active'`,
      [scope.tenantId, scope.conversationId, scope.userId],
    );
    return rows[0];
  }

  /** The active generation's schema of `model` (quoted). */
  private async liveSchema(model: string): Promise<string | undefined> {
    const { rows } = await this.options.db().query<{ schema_name: string }>("select schema_name from projection_meta.generations where model = $1 and state = 'active'", [model]);
    return rows[0] === undefined ? undefined : quoteIdent(rows[0].schema_name);
  }
}
