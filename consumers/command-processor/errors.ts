// Rejection codes the processor itself produces, before or around the domain's decide
// (domain/errors.ts holds the domain's). Stable: clients match on them. And the processor's
// error classes.
import { PalisadeError } from '../../domain/error-base.ts';

export const ProcessorCode = {
  /** The record's key or partition does not match the tenant (single-writer guarantee). */
  WRONG_PARTITION: 'WRONG_PARTITION',
  COMMAND_TOO_LARGE: 'COMMAND_TOO_LARGE',
  /** issuedAt older than the replay window, or too far in the future. */
  COMMAND_EXPIRED: 'COMMAND_EXPIRED',
  CLOCK_SKEW: 'CLOCK_SKEW',
  SIGNATURE_MISSING: 'SIGNATURE_MISSING',
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  UNKNOWN_PRODUCER_KEY: 'UNKNOWN_PRODUCER_KEY',
  PRODUCER_KEY_REVOKED: 'PRODUCER_KEY_REVOKED',
  PRODUCER_KEY_NOT_ALLOWED: 'PRODUCER_KEY_NOT_ALLOWED',
  /** The tenant's stored chain failed verification at rebuild: fail closed. */
  CHAIN_CORRUPT: 'CHAIN_CORRUPT',
  /** A secret's intake box is not base64url, not for this intake key, or sealed for another binding. */
  SECRET_INTAKE_FAILED: 'SECRET_INTAKE_FAILED',
  /** The processor runs without a master key, so it cannot seal secrets. */
  VAULT_NOT_CONFIGURED: 'VAULT_NOT_CONFIGURED',
  /** The data key a secret would be sealed under was destroyed (its owner erased, or that key version destroyed). */
  DATA_KEY_DESTROYED: 'DATA_KEY_DESTROYED',
  /** Chat content (a message, reply or memory) over its limit, found once its intake box is opened. */
  MESSAGE_TOO_LONG: 'MESSAGE_TOO_LONG',
  /** A legacy import (`legacyApiKey`, `legacyCredential`) reached a processor without PALISADE_LEGACY_SECRET. */
  LEGACY_SECRET_MISSING: 'LEGACY_SECRET_MISSING',
  /** A legacy import's box held no `salt:iv:ct` value, or it did not decrypt to text with the legacy secret. */
  LEGACY_IMPORT_FAILED: 'LEGACY_IMPORT_FAILED',
  /** The commandId was already used for a command with other content (its record bytes differ). */
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
} as const;
export type ProcessorCode = (typeof ProcessorCode)[keyof typeof ProcessorCode];

/**
 * Refusals of the command's authenticity. Their commandIds are never remembered, so a forger
 * cannot squat on a commandId a legitimate producer will use later; and nothing of such a
 * record (its claimed key id, actor or type) is appended to a tenant's chain: an unsigned writer
 * must not grow a chain or put its text into an audit view. PRODUCER_KEY_NOT_ALLOWED is the one
 * exception: the signature verified with a live key, so the producer is known and the refusal is
 * an authorization decision, recorded in the target tenant's chain (docs/spec.md).
 */
export const AUTHENTICATION_CODES: ReadonlySet<string> = new Set([
  ProcessorCode.SIGNATURE_MISSING,
  ProcessorCode.SIGNATURE_INVALID,
  ProcessorCode.UNKNOWN_PRODUCER_KEY,
  ProcessorCode.PRODUCER_KEY_REVOKED,
  ProcessorCode.PRODUCER_KEY_NOT_ALLOWED,
]);

/** Authentication refusals that are answered but never chained (see AUTHENTICATION_CODES). */
export const UNCHAINED_AUTHENTICATION_CODES: ReadonlySet<string> = new Set([
  ProcessorCode.SIGNATURE_MISSING,
  ProcessorCode.SIGNATURE_INVALID,
  ProcessorCode.UNKNOWN_PRODUCER_KEY,
  ProcessorCode.PRODUCER_KEY_REVOKED,
]);

/**
 * Refusals made after the command was authenticated, outside the domain's decide: remembered
 * for the idempotency window like any outcome, so a replay of the same record gets the same
 * answer (a CLOCK_SKEW refusal must not turn into an acceptance once the clock catches up).
 */
export const REMEMBERED_PROCESSOR_CODES: ReadonlySet<string> = new Set([
  ProcessorCode.COMMAND_EXPIRED,
  ProcessorCode.CLOCK_SKEW,
  ProcessorCode.CHAIN_CORRUPT,
  ProcessorCode.SECRET_INTAKE_FAILED,
  ProcessorCode.VAULT_NOT_CONFIGURED,
  ProcessorCode.DATA_KEY_DESTROYED,
  ProcessorCode.MESSAGE_TOO_LONG,
]);

/** Dead-letter reasons: records that cannot be answered with a CommandResult, and (UNAUTHENTICATED)
 * the bounded security log of refusals before authentication (the topic keeps 30 days). */
export const DeadLetterCode = {
  EMPTY_RECORD: 'EMPTY_RECORD',
  UNDECODABLE: 'UNDECODABLE',
  COMMAND_TOO_LARGE: 'COMMAND_TOO_LARGE',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
} as const;

/**
 * A refusal the command gets (the box is bad, not the processor): the batch goes on. Anything
 * else thrown by `seal` (PostgreSQL down, …) is the processor's problem and retries the batch.
 */
export class IntakeRefused extends PalisadeError<ProcessorCode> {
  readonly code: ProcessorCode;
  readonly retriable = false;
  constructor(code: ProcessorCode, message: string) {
    super(message);
    this.name = 'IntakeRefused';
    this.code = code;
  }
}

/** A processor option that cannot work (names the option; the processor refuses to start). */
export class ProcessorOptionError extends PalisadeError<'INVALID_OPTION'> {
  readonly code = 'INVALID_OPTION';
  readonly retriable = false;
  readonly option: string;
  constructor(option: string, problem: string) {
    super(`command processor option ${option}: ${problem}`);
    this.name = 'ProcessorOptionError';
    this.option = option;
  }
}
