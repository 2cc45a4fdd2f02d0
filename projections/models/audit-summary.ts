// The one-line summary and the target of an audit row. Built from an allow-list of fields per
// event type: free text (reasons, source names), secrets, masks, ciphertexts, query text and
// emails never reach the audit log, and an event type this code does not know yet is summarised
// by its type alone. Pure.
//
// Erasure contract (projection_meta.erase_user, migration 0013): a user id appears in a summary
// only right after "member ", "with owner " or "claimed actor <kind>:", and is followed by a
// space, ")", "," or the end. erase_user redacts exactly there (and actor_id, target), the way
// redactUser() below does; keep the three in step. Newer event types put the user they are
// about in `target` only, never in the summary.
import type { LogicalEvent } from '../../domain/logical.ts';
import { ERASED } from './model.ts';

export interface AuditText {
  readonly target: string | null;
  readonly summary: string;
}

function field(source: unknown, key: string): string {
  const value = (source as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' ? value : '?';
}

function optional(source: unknown, key: string): string | null {
  const value = (source as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' ? value : null;
}

/** A field that must match `shape` (an id, a hash, a provider name), else "?": no free text gets through. */
function token(source: unknown, key: string, shape: RegExp): string {
  const value = field(source, key);
  return shape.test(value) ? value : '?';
}

/** A non-negative safe integer field, else "?". */
function count(source: unknown, key: string): string {
  const value = (source as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : '?';
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const source = (p: unknown) => `source ${token(p, 'sourceId', ID)}`;
const providerKey = (p: unknown) => `provider key for ${token(p, 'provider', NAME)}`;
const reasonGiven = (p: Record<string, unknown>) => (typeof p['reason'] === 'string' ? ' (reason given)' : '');

export function auditText(event: LogicalEvent): AuditText {
  const p = event.payload;
  switch (event.type) {
    case 'TenantCreated':
      return { target: optional(p['owner'], 'userId'), summary: `tenant "${field(p, 'name')}" created with owner ${field(p['owner'], 'userId')}` };
    case 'MemberAdded':
      return { target: optional(p, 'userId'), summary: `member ${field(p, 'userId')} added as ${field(p, 'role')}` };
    case 'MemberRoleChanged':
      return { target: optional(p, 'userId'), summary: `member ${field(p, 'userId')} role changed from ${field(p, 'from')} to ${field(p, 'to')}` };
    case 'MemberRemoved':
      return { target: optional(p, 'userId'), summary: `member ${field(p, 'userId')} removed${reasonGiven(p)}` };
    case 'TenantDeleted':
      return { target: null, summary: `tenant deleted${reasonGiven(p)}` };
    case 'CommandRejected': {
      const claimed = p['claimedActor'];
      return {
        target: null,
        summary: `${field(p, 'commandType')} refused: ${field(p, 'code')} (claimed actor ${field(claimed, 'kind')}:${field(claimed, 'id')}` +
          `${typeof p['producerKeyId'] === 'string' ? `, producer key ${p['producerKeyId']}` : ''})`,
      };
    }
    // Sources: never the name (free text) or the credential; the owner is the target.
    case 'SourceConnected':
      return {
        target: optional(p, 'ownerId'),
        summary: `${source(p)} (${token(p, 'kind', NAME)}) connected${typeof p['legacyCredential'] === 'string' ? ' with a legacy credential' : ''}`,
      };
    case 'SourceCredentialRotated':
      return { target: optional(p, 'ownerId'), summary: `${source(p)} credential rotated to version ${count(p, 'credentialVersion')}` };
    case 'SourceDisconnected':
      return { target: optional(p, 'ownerId'), summary: `${source(p)} disconnected by ${token(p, 'by', /^(owner|admin)$/)}${reasonGiven(p)}` };
    case 'SourceQueryAuthorized':
      return {
        target: optional(p, 'ownerId'),
        summary: `query ${token(p, 'queryHash', SHA256_HEX)} authorized on ${source(p)} (at most ${count(p, 'maxRows')} rows, ${count(p, 'maxBytes')} bytes)`,
      };
    // Provider keys: never the key, its ciphertext or its mask; the key's user is the target.
    case 'ProviderKeyStored':
      return { target: optional(p, 'userId'), summary: `${providerKey(p)} stored${typeof p['legacySecret'] === 'string' ? ' (legacy format)' : ''}` };
    case 'ProviderKeyRotated':
      return { target: optional(p, 'userId'), summary: `${providerKey(p)} rotated to version ${count(p, 'version')}` };
    case 'ProviderKeyDeleted':
      return { target: optional(p, 'userId'), summary: `${providerKey(p)} deleted` };
    case 'LegacySecretResealed':
      return {
        target: optional(p, 'userId'),
        summary: `${p['target'] === 'source-credential' ? `credential of ${source(p)}` : providerKey(p)} re-sealed from the legacy format (version ${count(p, 'version')})`,
      };
    case 'TenantKeyRotated':
      return { target: null, summary: `tenant key rotated to version ${count(p, 'keyVersion')}` };
    // The row that outlives the user does not name them, not even before erase_user runs.
    case 'UserErased':
      return { target: ERASED, summary: 'user erased' };
    default:
      return { target: null, summary: `${event.type} (v${event.schemaVersion})` };
  }
}

/**
 * An audit row's actor, target and summary with `userId` redacted, as projection_meta.erase_user
 * does it in SQL (the erasure contract above). Pure; for tests and tools that predict rows.
 */
export function redactUser<R extends { actorId: string; target: string | null; summary: string }>(row: R, userId: string): R {
  const escaped = userId.replace(/[^A-Za-z0-9]/g, (c) => `\\${c}`);
  const pattern = new RegExp(`(member |with owner |claimed actor [a-z]+:)${escaped}(?=[ ),]|$)`, 'g');
  return {
    ...row,
    actorId: row.actorId === userId ? ERASED : row.actorId,
    target: row.target === userId ? ERASED : row.target,
    summary: row.summary.replace(pattern, `$1${ERASED}`),
  };
}
