// Sources: ConnectSource, RotateSourceCredential, DisconnectSource, AuthorizeSourceQuery.
// Parsing and `decide`, side by side. A source belongs to the user who connected it: only they
// may use or re-key it. NOT_SOURCE_OWNER is an authorization refusal, but it needs the source to
// exist, so SOURCE_NOT_FOUND (an unknown or disconnected id) comes first.
import { accept, refuse } from '../../decider.ts';
import { RejectionCode } from '../../errors.ts';
import type { Command } from '../../messages.ts';
import { isCanonicalUuid, isIntakeBox, isIntegerInRange, isOneOf, isSha256Hex, isSourceName } from '../../validation.ts';
import { canDisconnectSource, canOwnSecrets } from '../policy.ts';
import { sourceCredentialBinding } from '../secrets.ts';
import type { ActiveTenant, SourceState } from '../state.ts';
import { SOURCE_KINDS } from '../types.ts';
import type { AuthorizeSourceQueryData, ConnectSourceData, DisconnectSourceData, RotateSourceCredentialData } from '../types.ts';
import { article, exactlyOne, pendingLegacySecret, pendingSecret, withReason } from './decide-common.ts';
import type { ActingMember, TenantDecision } from './decide-common.ts';
import { exactlyOneOf, invalidField, parseOptionalReason, parseSecretPair, parseShape } from './parse-common.ts';
import type { Parsed } from './parse-common.ts';

export type ConnectSource = Command<'ConnectSource', ConnectSourceData>;
export type RotateSourceCredential = Command<'RotateSourceCredential', RotateSourceCredentialData>;
export type DisconnectSource = Command<'DisconnectSource', DisconnectSourceData>;
export type AuthorizeSourceQuery = Command<'AuthorizeSourceQuery', AuthorizeSourceQueryData>;

export const MAX_QUERY_ROWS = 1_000_000;
export const MAX_QUERY_BYTES = 104_857_600;

// Parsing

export function parseConnectSource(payload: unknown): Parsed<ConnectSourceData> {
  const shape = parseShape(payload, ['sourceId', 'kind', 'name'], ['credential', 'legacyCredential']);
  if (!shape.ok) return shape;
  const notOne = exactlyOneOf(shape.value, 'credential', 'legacyCredential');
  if (notOne !== undefined) return notOne;
  const { sourceId, kind, name } = shape.value;
  if (!isCanonicalUuid(sourceId)) return invalidField(RejectionCode.INVALID_SOURCE_ID, 'sourceId');
  if (!isOneOf(SOURCE_KINDS, kind)) return invalidField(RejectionCode.INVALID_SOURCE_KIND, 'kind');
  if (!isSourceName(name)) return invalidField(RejectionCode.INVALID_SOURCE_NAME, 'name');
  const secret = parseSecretPair(shape.value, 'credential', 'legacyCredential');
  if (!secret.ok) return secret;
  return { ok: true, value: { sourceId, kind, name, ...secret.value } };
}

export function parseRotateSourceCredential(payload: unknown): Parsed<RotateSourceCredentialData> {
  const shape = parseShape(payload, ['sourceId', 'credential'], []);
  if (!shape.ok) return shape;
  const { sourceId, credential } = shape.value;
  if (!isCanonicalUuid(sourceId)) return invalidField(RejectionCode.INVALID_SOURCE_ID, 'sourceId');
  if (!isIntakeBox(credential)) return invalidField(RejectionCode.INVALID_SECRET, 'credential');
  return { ok: true, value: { sourceId, credential } };
}

export function parseDisconnectSource(payload: unknown): Parsed<DisconnectSourceData> {
  const shape = parseShape(payload, ['sourceId'], ['reason']);
  if (!shape.ok) return shape;
  const { sourceId } = shape.value;
  if (!isCanonicalUuid(sourceId)) return invalidField(RejectionCode.INVALID_SOURCE_ID, 'sourceId');
  const reason = parseOptionalReason(shape.value.reason);
  if (!reason.ok) return reason;
  return { ok: true, value: { sourceId, ...reason.value } };
}

export function parseAuthorizeSourceQuery(payload: unknown): Parsed<AuthorizeSourceQueryData> {
  const shape = parseShape(payload, ['sourceId', 'queryHash', 'maxRows', 'maxBytes'], []);
  if (!shape.ok) return shape;
  const { sourceId, queryHash, maxRows, maxBytes } = shape.value;
  if (!isCanonicalUuid(sourceId)) return invalidField(RejectionCode.INVALID_SOURCE_ID, 'sourceId');
  if (!isSha256Hex(queryHash)) return invalidField(RejectionCode.INVALID_QUERY_HASH, 'queryHash');
  if (!isIntegerInRange(maxRows, 1, MAX_QUERY_ROWS)) return invalidField(RejectionCode.INVALID_LIMIT, 'maxRows');
  if (!isIntegerInRange(maxBytes, 1, MAX_QUERY_BYTES)) return invalidField(RejectionCode.INVALID_LIMIT, 'maxBytes');
  return { ok: true, value: { sourceId, queryHash, maxRows, maxBytes } };
}

// Deciding

export function connectSource(command: ConnectSource, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { sourceId, kind, name, credential, legacyCredential } = command.data;
  if (!canOwnSecrets(actor.role)) return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not connect a source`);
  if (tenant.sources.has(sourceId)) return refuse(RejectionCode.SOURCE_EXISTS, `source "${sourceId}" already exists in this tenant`);
  const binding = sourceCredentialBinding(command.metadata.tenantId, sourceId);
  const secret =
    credential !== undefined ? { credential: pendingSecret(credential, binding, tenant, actor.userId) }
    : legacyCredential !== undefined ? { credential: pendingLegacySecret(legacyCredential, binding, tenant, actor.userId) }
    : undefined;
  if (secret === undefined) return exactlyOne('credential', 'legacyCredential');
  return accept({ type: 'SourceConnected', data: { sourceId, ownerId: actor.userId, kind, name, credentialVersion: 1, ...secret } });
}

export function rotateSourceCredential(command: RotateSourceCredential, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { sourceId, credential } = command.data;
  const found = ownSource(tenant, sourceId, actor, 're-key');
  if (!found.ok) return found.refusal;
  const { source } = found;
  const binding = sourceCredentialBinding(command.metadata.tenantId, sourceId);
  return accept({
    type: 'SourceCredentialRotated',
    data: {
      sourceId,
      ownerId: source.ownerId,
      credentialVersion: source.credentialVersion + 1,
      credential: pendingSecret(credential, binding, tenant, source.ownerId),
    },
  });
}

export function disconnectSource(command: DisconnectSource, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { sourceId, reason } = command.data;
  const source = connectedSource(tenant, sourceId);
  if (source === undefined) return refuse(RejectionCode.SOURCE_NOT_FOUND, `no connected source "${sourceId}"`);
  const isSourceOwner = source.ownerId === actor.userId;
  if (!canDisconnectSource(actor.role, isSourceOwner)) {
    return refuse(RejectionCode.NOT_SOURCE_OWNER, 'only the source\'s owner, or a tenant owner or admin, may disconnect it');
  }
  return accept({
    type: 'SourceDisconnected',
    data: { sourceId, ownerId: source.ownerId, by: isSourceOwner ? 'owner' : 'admin', ...withReason(reason) },
  });
}

export function authorizeSourceQuery(command: AuthorizeSourceQuery, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { sourceId, queryHash, maxRows, maxBytes } = command.data;
  const found = ownSource(tenant, sourceId, actor, 'query');
  if (!found.ok) return found.refusal;
  return accept({ type: 'SourceQueryAuthorized', data: { sourceId, ownerId: found.source.ownerId, queryHash, maxRows, maxBytes } });
}

export function connectedSource(tenant: ActiveTenant, sourceId: string): SourceState | undefined {
  const source = tenant.sources.get(sourceId);
  return source?.connected === true ? source : undefined;
}

/** A connected source the actor owns: no role, not even the tenant's owner, stands in for ownership. */
function ownSource(
  tenant: ActiveTenant,
  sourceId: string,
  actor: ActingMember,
  verb: string,
): { readonly ok: true; readonly source: SourceState } | { readonly ok: false; readonly refusal: TenantDecision } {
  const source = connectedSource(tenant, sourceId);
  if (source === undefined) return { ok: false, refusal: refuse(RejectionCode.SOURCE_NOT_FOUND, `no connected source "${sourceId}"`) };
  if (source.ownerId !== actor.userId) {
    return { ok: false, refusal: refuse(RejectionCode.NOT_SOURCE_OWNER, `only the source's owner may ${verb} it`) };
  }
  return { ok: true, source };
}
