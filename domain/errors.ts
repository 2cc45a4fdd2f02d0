// Rejection codes are part of the public contract: clients and the processor match on `code`,
// never on `message`, so codes are stable and messages are free to improve.

export const RejectionCode = {
  // Validation (parse)
  UNKNOWN_COMMAND_TYPE: 'UNKNOWN_COMMAND_TYPE',
  INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  INVALID_TENANT_ID: 'INVALID_TENANT_ID',
  INVALID_COMMAND_ID: 'INVALID_COMMAND_ID',
  INVALID_ACTOR: 'INVALID_ACTOR',
  INVALID_USER_ID: 'INVALID_USER_ID',
  INVALID_EMAIL: 'INVALID_EMAIL',
  INVALID_ROLE: 'INVALID_ROLE',
  INVALID_TENANT_NAME: 'INVALID_TENANT_NAME',
  INVALID_REASON: 'INVALID_REASON',
  INVALID_SOURCE_ID: 'INVALID_SOURCE_ID',
  INVALID_SOURCE_KIND: 'INVALID_SOURCE_KIND',
  INVALID_SOURCE_NAME: 'INVALID_SOURCE_NAME',
  INVALID_PROVIDER: 'INVALID_PROVIDER',
  INVALID_SECRET: 'INVALID_SECRET',
  INVALID_QUERY_HASH: 'INVALID_QUERY_HASH',
  INVALID_LIMIT: 'INVALID_LIMIT',
  INVALID_TARGET: 'INVALID_TARGET',
  INVALID_VERSION: 'INVALID_VERSION',
  // Validation of chat turns and memories (issue 7)
  INVALID_CONVERSATION_ID: 'INVALID_CONVERSATION_ID',
  INVALID_MESSAGE_ID: 'INVALID_MESSAGE_ID',
  INVALID_MEMORY_ID: 'INVALID_MEMORY_ID',
  INVALID_MODEL: 'INVALID_MODEL',
  INVALID_CONTENT: 'INVALID_CONTENT',
  INVALID_TOKEN_COUNT: 'INVALID_TOKEN_COUNT',
  INVALID_STOP_REASON: 'INVALID_STOP_REASON',
  INVALID_FAILURE_REASON: 'INVALID_FAILURE_REASON',
  // Authorization
  NOT_A_MEMBER: 'NOT_A_MEMBER',
  FORBIDDEN: 'FORBIDDEN',
  NOT_SOURCE_OWNER: 'NOT_SOURCE_OWNER',
  NOT_CONVERSATION_OWNER: 'NOT_CONVERSATION_OWNER',
  NOT_MEMORY_OWNER: 'NOT_MEMORY_OWNER',
  // Business rules
  TENANT_NOT_FOUND: 'TENANT_NOT_FOUND',
  TENANT_DELETED: 'TENANT_DELETED',
  TENANT_EXISTS: 'TENANT_EXISTS',
  MEMBER_EXISTS: 'MEMBER_EXISTS',
  EMAIL_IN_USE: 'EMAIL_IN_USE',
  MEMBER_NOT_FOUND: 'MEMBER_NOT_FOUND',
  ROLE_UNCHANGED: 'ROLE_UNCHANGED',
  LAST_OWNER: 'LAST_OWNER',
  USER_ERASED: 'USER_ERASED',
  SOURCE_EXISTS: 'SOURCE_EXISTS',
  SOURCE_NOT_FOUND: 'SOURCE_NOT_FOUND',
  PROVIDER_KEY_EXISTS: 'PROVIDER_KEY_EXISTS',
  PROVIDER_KEY_NOT_FOUND: 'PROVIDER_KEY_NOT_FOUND',
  LEGACY_ALREADY_RESEALED: 'LEGACY_ALREADY_RESEALED',
  CONVERSATION_EXISTS: 'CONVERSATION_EXISTS',
  CONVERSATION_NOT_FOUND: 'CONVERSATION_NOT_FOUND',
  MESSAGE_EXISTS: 'MESSAGE_EXISTS',
  MESSAGE_NOT_FOUND: 'MESSAGE_NOT_FOUND',
  REPLY_EXISTS: 'REPLY_EXISTS',
  MEMORY_EXISTS: 'MEMORY_EXISTS',
  MEMORY_NOT_FOUND: 'MEMORY_NOT_FOUND',
} as const;

export type RejectionCode = (typeof RejectionCode)[keyof typeof RejectionCode];

export const REJECTION_CODES: readonly RejectionCode[] = Object.values(RejectionCode);

export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
  /** True for refusals on authorization grounds; the processor records these as CommandRejected. */
  readonly authorization: boolean;
}

const AUTHORIZATION_CODES: ReadonlySet<RejectionCode> = new Set([
  RejectionCode.NOT_A_MEMBER,
  RejectionCode.FORBIDDEN,
  RejectionCode.NOT_SOURCE_OWNER,
  RejectionCode.NOT_CONVERSATION_OWNER,
  RejectionCode.NOT_MEMORY_OWNER,
]);

export function isAuthorizationCode(code: RejectionCode): boolean {
  return AUTHORIZATION_CODES.has(code);
}

/** The only way to build a Rejection, so `authorization` can never disagree with `code`. */
export function rejection(code: RejectionCode, message: string): Rejection {
  return { code, message, authorization: isAuthorizationCode(code) };
}

/**
 * Why a stored event could not be read as a tenant event (domain/tenant/decode-event.ts). Not a
 * rejection: no command is refused. An event of a type the reader does not know is for the reader
 * to pass over or not; a malformed payload was not written by these rules, and readers fail closed.
 */
export const EventDecodeCode = {
  UNKNOWN_EVENT_TYPE: 'UNKNOWN_EVENT_TYPE',
  MALFORMED_PAYLOAD: 'MALFORMED_PAYLOAD',
} as const;

export type EventDecodeCode = (typeof EventDecodeCode)[keyof typeof EventDecodeCode];
