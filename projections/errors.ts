// Errors of the read-model layer (STYLE.md §10): a stable `code` to match on, `retriable`, and
// the underlying `cause`. Messages may improve; codes do not change.
import { PalisadeError } from '../domain/error-base.ts';

export type ProjectionErrorCode =
  // The projector wrapper refused a statement before it reached PostgreSQL.
  | 'BYPASS_WITHOUT_TENANT_FILTER'
  | 'BYPASS_EMPTY_TENANT_FILTER'
  | 'BYPASS_INVALID_TENANT'
  | 'BYPASS_NOT_DML'
  | 'BYPASS_MULTIPLE_STATEMENTS'
  | 'BYPASS_INVALID_REASON'
  | 'META_STATEMENT_TOUCHES_READ_MODEL'
  // Events the projector cannot apply (the events topic is corrupt: stop, do not skip).
  | 'EVENT_UNDECODABLE'
  | 'EVENT_HASH_MISMATCH'
  // Operations.
  | 'NOT_MIGRATED'
  | 'UNKNOWN_MODEL'
  | 'REBUILD_IN_PROGRESS'
  | 'REBUILD_NOT_CAUGHT_UP'
  | 'INVALID_OPTION'
  // Analysts.
  | 'ANALYST_INVALID_NAME'
  | 'ANALYST_INVALID_TENANT'
  | 'ANALYST_TENANT_NOT_FOUND'
  | 'ANALYST_EXISTS'
  | 'ANALYST_NOT_FOUND'
  // A read through the app role failed; the message never carries the server's text.
  | 'READ_FAILED';

export class ProjectionError extends PalisadeError<ProjectionErrorCode> {
  readonly code: ProjectionErrorCode;
  readonly retriable: boolean;

  constructor(code: ProjectionErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ProjectionError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A read through the app role failed: READ_FAILED with the SQLSTATE only (a server message could quote row data). */
export class AppReadError extends ProjectionError {
  readonly sqlState: string | undefined;
  constructor(sqlState: string | undefined, cause: unknown) {
    super('READ_FAILED', `read-model query failed${sqlState === undefined ? '' : ` (SQLSTATE ${sqlState})`}`, { cause });
    this.sqlState = sqlState;
  }
}

/**
 * SQLSTATEs raised by the read-model SQL (adapters/postgres/migrations/0002…0007), class "PA".
 * Match on these, not on message text.
 */
export const SqlState = {
  /** A role with this database's prefix exists but belongs to another database. */
  ROLE_BELONGS_TO_ANOTHER_DATABASE: 'PA001',
  /** UPDATE, DELETE or TRUNCATE of audit rows outside projection_meta.erase_tenant. */
  AUDIT_APPEND_ONLY: 'PA403',
  /** Unknown read model, or no generation in the state the call needs. */
  NO_SUCH_GENERATION: 'PA404',
  /** activate_generations: the rebuilt generation is behind the live one on some partition. */
  REBUILD_BEHIND_LIVE: 'PA409',
  /** A read-model table without a tenant_id column or without forced row-level security. */
  INSECURE_TABLE: 'PA422',
} as const;
