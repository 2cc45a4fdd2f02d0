// One command record in, its consequences out: events appended to the tenant's chain, a
// CommandResult, or a dead letter. No I/O: the clock, event ids and the key lookup come in
// through the context, and every change goes to the batch overlay.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseTenantCommand, tenantDecider, TENANT_COMMAND_TYPES } from '../../domain/tenant/index.ts';
import { isCanonicalUuid, isPrincipalId } from '../../domain/validation.ts';
import type { TenantEvent } from '../../domain/tenant/events.ts';
import { eventHash } from '../../domain/chain/event-hash.ts';
import { sha256 } from '../../domain/chain/sha256.ts';
import { decodeCommand } from '../../schemas/codec.ts';
import { CodecError } from '../../schemas/errors.ts';
import { latestVersion } from '../../schemas/registry.ts';
import type { CommandResult, DeadLetter, HashedEvent, JsonObject, LogicalActor, SignedCommand } from '../../domain/logical.ts';
import { partitionFor } from '../../adapters/kafka/partitioner.ts';
import type { InRecord } from '../../adapters/kafka/messages.ts';
import { authenticate } from './authenticate.ts';
import { commandContentDigest } from './content-digest.ts';
import { DeadLetterCode, IntakeRefused, ProcessorCode, UNCHAINED_AUTHENTICATION_CODES } from './errors.ts';
import { commandKey, type BatchView, type RecordedOutcome } from './partition-state.ts';
import type { ProducerKeyLookup } from './producer-keys.ts';
import { hasPendingSecrets, sealPendingSecrets } from './seal-events.ts';
import type { SecretSealing } from './secret-sealer.ts';
import { boundedOriginal } from './dead-letter.ts';

export interface CommandContext {
  readonly partition: number;
  readonly partitionCount: number;
  readonly keys: ProducerKeyLookup;
  readonly now: () => Date;
  readonly newEventId: () => string;
  readonly maxCommandBytes: number;
  /** Older commands are refused, so a replay can never outlive the idempotency window. */
  readonly maxCommandAgeMs: number;
  readonly maxClockSkewMs: number;
  /** Seals the secrets commands carry (absent: such commands are refused VAULT_NOT_CONFIGURED). */
  readonly sealing?: SecretSealing;
}

export interface BatchOutputs {
  readonly events: HashedEvent[];
  readonly results: CommandResult[];
  readonly deadLetters: DeadLetter[];
}

export const PROCESSOR_ACTOR: LogicalActor = Object.freeze({ kind: 'system', id: 'command-processor' });

/** Every this many records a batch yields one event-loop turn (see handleCommandRecords). */
export const RECORDS_PER_TURN = 256;

/**
 * Handles a batch's records in order. Secure memory (each intake box, secret and DEK is a
 * sodium_malloc, one locked mapping) is unmapped only when its buffer's finalizer runs, which
 * Node does on an event-loop turn, never between microtasks; deciding a large batch of secrets
 * in one go would exhaust vm.max_map_count and abort the process. A turn every
 * RECORDS_PER_TURN records bounds what a batch holds (test/processor/secure-memory-batches).
 */
export async function handleCommandRecords(records: readonly InRecord[], view: BatchView, ctx: CommandContext, out: BatchOutputs): Promise<void> {
  for (let i = 0; i < records.length; i++) {
    if (i > 0 && i % RECORDS_PER_TURN === 0) await nextTurn();
    await handleCommandRecord(records[i]!, view, ctx, out);
  }
}

/**
 * Throws only for infrastructure failures (the key store unreachable while sealing): the batch
 * is then retried and nothing of it is committed.
 */
export async function handleCommandRecord(record: InRecord, view: BatchView, ctx: CommandContext, out: BatchOutputs): Promise<void> {
  const at = ctx.now();
  if (!record.value || record.value.length === 0) return deadLetter(record, DeadLetterCode.EMPTY_RECORD, 'record has no value', at, out);
  let command: SignedCommand;
  try {
    command = decodeCommand(record.value);
  } catch (error) {
    if (!(error instanceof CodecError)) throw error;
    const code = record.value.length > ctx.maxCommandBytes ? DeadLetterCode.COMMAND_TOO_LARGE : DeadLetterCode.UNDECODABLE;
    return deadLetter(record, code, `${error.code}: ${error.message}`, at, out);
  }
  if (!isCanonicalUuid(command.tenantId) || !isCanonicalUuid(command.commandId)) {
    return deadLetter(record, DeadLetterCode.UNDECODABLE, 'tenantId and commandId must be canonical lowercase UUIDs', at, out);
  }
  const digest = sha256(record.value).toString('hex');
  const content = commandContentDigest(command);
  const respond = (outcome: RecordedOutcome, replayed = false): void => {
    out.results.push(toResult(command, digest, content, outcome, replayed, at));
  };
  const refuse = (code: string, message: string): void => respond({ outcome: 'rejected', code, message });

  if (record.value.length > ctx.maxCommandBytes) return refuse(ProcessorCode.COMMAND_TOO_LARGE, `command is ${record.value.length} bytes; the limit is ${ctx.maxCommandBytes}`);
  if (record.key?.toString('utf8') !== command.tenantId || partitionFor(command.tenantId, ctx.partitionCount) !== ctx.partition) {
    return refuse(ProcessorCode.WRONG_PARTITION, 'the record must be keyed by its tenantId (murmur2 partitioning)');
  }
  const authentication = authenticate(command, ctx.keys);
  if (!authentication.ok) {
    if (UNCHAINED_AUTHENTICATION_CODES.has(authentication.code)) {
      // Nothing an unauthenticated writer sent reaches the chain: the client gets its result,
      // operators the record in the dead-letter topic (the bounded security log).
      deadLetter(record, DeadLetterCode.UNAUTHENTICATED, authentication.code, at, out);
    } else {
      recordRefusalInChain(command, authentication.code, view, ctx, at, out);
    }
    return refuse(authentication.code, authentication.message);
  }
  const key = commandKey(command.tenantId, command.commandId);
  // Before the age check: a replay inside the window gets its original result. Outcomes older
  // than the window are forgotten (partition-state.ts), and their replays are expired here.
  const earlier = view.outcome(key);
  if (earlier) {
    if (earlier.contentDigest !== undefined && earlier.contentDigest !== content) {
      // Not remembered: the first use of the commandId keeps answering for it.
      return refuse(ProcessorCode.IDEMPOTENCY_CONFLICT, 'this commandId was already used for a command with other content');
    }
    return respond(earlier, true);
  }

  const age = at.getTime() - Date.parse(command.issuedAt);
  const outcome: RecordedOutcome =
    age > ctx.maxCommandAgeMs || age < -ctx.maxClockSkewMs
      ? { outcome: 'rejected', code: age > 0 ? ProcessorCode.COMMAND_EXPIRED : ProcessorCode.CLOCK_SKEW, message: `issuedAt ${command.issuedAt} is outside the accepted window` }
      : await decideAndAppend(command, view, ctx, at, out);
  view.record(key, outcome, at.getTime(), content);
  respond(outcome);
}

async function decideAndAppend(command: SignedCommand, view: BatchView, ctx: CommandContext, at: Date, out: BatchOutputs): Promise<RecordedOutcome> {
  const head = view.head(command.tenantId);
  if (head.corrupt) return { outcome: 'rejected', code: ProcessorCode.CHAIN_CORRUPT, message: 'this tenant\'s stored chain failed verification; an operator must investigate' };
  const parsed = parseTenantCommand(command.type, command.payload, { tenantId: command.tenantId, commandId: command.commandId, actor: command.actor });
  if (!parsed.ok) return { outcome: 'rejected', code: parsed.rejection.code, message: parsed.rejection.message };
  const decision = tenantDecider.decide(parsed.command, head.state);
  if (!decision.ok) {
    if (decision.rejection.authorization) recordRefusalInChain(command, decision.rejection.code, view, ctx, at, out);
    return { outcome: 'rejected', code: decision.rejection.code, message: decision.rejection.message };
  }
  let events = decision.events;
  if (hasPendingSecrets(events)) {
    try {
      events = await sealPendingSecrets(events, ctx.sealing);
    } catch (error) {
      if (error instanceof IntakeRefused) return { outcome: 'rejected', code: error.code, message: error.message };
      throw error;
    }
  }
  const firstSeq = head.seq + 1;
  appendEvents(command.tenantId, command.commandId, command.actor, events, view, ctx, at, out);
  return { outcome: 'accepted', firstSeq, lastSeq: view.head(command.tenantId).seq };
}

/** docs/spec.md: refusals for authorization reasons are recorded in the target tenant's chain. */
function recordRefusalInChain(command: SignedCommand, code: string, view: BatchView, ctx: CommandContext, at: Date, out: BatchOutputs): void {
  const head = view.head(command.tenantId);
  if (head.state.status !== 'active' || head.corrupt) return;
  // Only validated values reach the chain: a known command type, a well-formed actor and a
  // registered key id (the signature verified); never a producer's free text.
  if (!isKnownCommandType(command.type) || !isLogicalActor(command.actor)) return;
  const data = { commandType: command.type, code, claimedActor: { kind: command.actor.kind, id: command.actor.id }, producerKeyId: command.producerKeyId };
  appendEvents(command.tenantId, command.commandId, PROCESSOR_ACTOR, [{ type: 'CommandRejected', data }], view, ctx, at, out);
}

const KNOWN_COMMAND_TYPES: ReadonlySet<string> = new Set(TENANT_COMMAND_TYPES);
const ACTOR_KINDS: ReadonlySet<string> = new Set(['user', 'service', 'system']);
const isKnownCommandType = (type: string): boolean => KNOWN_COMMAND_TYPES.has(type);
const isLogicalActor = (actor: LogicalActor): boolean => ACTOR_KINDS.has(actor.kind) && isPrincipalId(actor.id);

function appendEvents(tenantId: string, commandId: string, actor: LogicalActor, events: readonly TenantEvent[], view: BatchView, ctx: CommandContext, at: Date, out: BatchOutputs): void {
  let head = view.head(tenantId);
  for (const event of events) {
    const logical = {
      tenantId,
      seq: head.seq + 1,
      prevHash: head.hash,
      eventId: ctx.newEventId(),
      type: event.type,
      schemaVersion: latestVersion('events', event.type),
      occurredAt: at.toISOString(),
      actor: { kind: actor.kind, id: actor.id },
      commandId,
      payload: withoutUndefined(event.data),
    };
    const hash = eventHash(logical);
    out.events.push({ ...logical, hash });
    head = { state: tenantDecider.evolve(head.state, event), seq: logical.seq, hash };
  }
  view.setHead(tenantId, head);
}

function toResult(command: SignedCommand, commandDigest: string, contentDigest: string, outcome: RecordedOutcome, replayed: boolean, at: Date): CommandResult {
  const base = { commandId: command.commandId, tenantId: command.tenantId, commandDigest, contentDigest, replayed, processedAt: at.toISOString() };
  return outcome.outcome === 'accepted'
    ? { ...base, outcome: 'accepted', firstSeq: outcome.firstSeq, lastSeq: outcome.lastSeq }
    : { ...base, outcome: 'rejected', code: outcome.code, message: outcome.message };
}

function deadLetter(record: InRecord, code: string, reason: string, at: Date, out: BatchOutputs): void {
  const original = boundedOriginal(record.key, record.value);
  out.deadLetters.push({
    sourceTopic: record.topic,
    partition: record.partition,
    offset: record.offset,
    code,
    reason: `${reason}${original.note}`,
    originalKey: original.key,
    originalValue: original.value,
    failedAt: at.toISOString(),
  });
}

// Optional payload fields are absent, never undefined (docs/spec.md "Avro → logical JSON mapping", the Avro→JSON mapping).
function withoutUndefined(data: object): JsonObject {
  return JSON.parse(JSON.stringify(data)) as JsonObject;
}
