// The client library for upstream services (docs/spec.md "Who uses it"): build a command, sign it
// with the service's registered Ed25519 key, encode it as Avro, key it by tenant and publish it
// through an idempotent producer; then await its CommandResult.
import type { KafkaEndpoint } from '../adapters/kafka/client.ts';
import { randomUUID } from 'node:crypto';
import { createKafka } from '../adapters/kafka/client.ts';
import { IdempotentProducer } from '../adapters/kafka/simple-producer.ts';
import { TailConsumer } from '../adapters/kafka/tail-consumer.ts';
import { commandSigningBytes } from '../crypto/command-signing.ts';
import { sha256 } from '../domain/chain/sha256.ts';
import type { OutRecord } from '../adapters/kafka/messages.ts';
import { sign } from '../crypto/ed25519.ts';
import { decodeResult, encodeCommand } from '../schemas/codec.ts';
import { CodecError } from '../schemas/errors.ts';
import { latestVersion } from '../schemas/registry.ts';
import type { CommandResult, JsonObject, LogicalActor, LogicalCommand } from '../domain/logical.ts';
import type { TenantCommandData, TenantCommandType } from '../domain/tenant/index.ts';
import { PublishError } from './errors.ts';
import { ResultWaiter } from './result-waiter.ts';

export interface ClientOptions {
  /** The brokers and the producer principal's login (docs/producers.md). */
  readonly kafka: KafkaEndpoint;
  readonly topics: { readonly commands: string; readonly results: string };
  readonly producerKeyId: string;
  /** 64-byte Ed25519 secret key, ideally in sodium secure memory (crypto/key-file.ts). */
  readonly secretKey: Buffer;
  /** Default wait for results, in ms. */
  readonly resultTimeoutMs?: number;
}

interface CommandInputBase {
  readonly tenantId: string;
  readonly actor: LogicalActor;
  /** Reuse the same id to retry safely: the processor answers a repeat with the original result. */
  readonly commandId?: string;
  readonly issuedAt?: Date;
}

/**
 * A command of one type with its payload typed by that type (domain/tenant: TenantCommandData):
 * a payload of the wrong shape, or a misspelt type, does not compile.
 */
export type CommandInput<T extends TenantCommandType = TenantCommandType> = {
  [K in T]: CommandInputBase & { readonly type: K; readonly payload: TenantCommandData<K> };
}[T];

/**
 * A payload whose fields the type system does not know: JSON built or relayed elsewhere and typed
 * only as JsonObject (an index signature). It is sent as it is, and the processor checks it
 * (INVALID_PAYLOAD and the field codes). A payload with known fields is never opaque: an object
 * literal must be its command type's shape.
 */
export type OpaquePayload<P extends JsonObject> = string extends keyof P ? P : never;

export interface OpaqueCommandInput<P extends JsonObject = JsonObject> extends CommandInputBase {
  readonly type: string;
  readonly payload: OpaquePayload<P>;
}

type AnyCommandInput = CommandInput | OpaqueCommandInput;

export interface PublishedCommand {
  readonly commandId: string;
  /** Hex SHA-256 of the bytes sent; the matching CommandResult carries the same digest. */
  readonly commandDigest: string;
}

interface PreparedCommand extends PublishedCommand {
  readonly record: OutRecord;
}

const MAX_REMEMBERED_DIGESTS = 100_000;

export class PalisadeClient {
  private readonly options: ClientOptions;
  private readonly producer: IdempotentProducer;
  private readonly tail: TailConsumer;
  private readonly waiter = new ResultWaiter();
  private readonly digests = new Map<string, string>();
  private closed = false;

  private constructor(options: ClientOptions, producer: IdempotentProducer, tail: TailConsumer) {
    this.options = options;
    this.producer = producer;
    this.tail = tail;
  }

  /** Connects the producer and starts following results (from now on) before returning. */
  static async connect(options: ClientOptions): Promise<PalisadeClient> {
    if (options.secretKey.length !== 64) throw new PublishError('INVALID_COMMAND', 'secretKey must be a 64-byte Ed25519 secret key');
    const kafka = createKafka({ ...options.kafka, clientId: `palisade-client-${options.producerKeyId}` });
    const producer = await IdempotentProducer.open(kafka);
    const tail = new TailConsumer(kafka, options.topics.results, 'palisade-client');
    const client = new PalisadeClient(options, producer, tail);
    await tail.start((record) => {
      if (record.value) client.waiter.deliver(decodeResult(record.value));
    });
    return client;
  }

  /** Signs and publishes; resolves once Kafka acknowledged the command (acks=all). */
  async publish<T extends TenantCommandType>(input: CommandInput<T>): Promise<PublishedCommand>;
  async publish<P extends JsonObject>(input: OpaqueCommandInput<P>): Promise<PublishedCommand>;
  async publish(input: AnyCommandInput): Promise<PublishedCommand> {
    const prepared = this.prepare(input);
    await this.sendPrepared([prepared]);
    return { commandId: prepared.commandId, commandDigest: prepared.commandDigest };
  }

  /** publish() for many commands in one produce request; all are encoded before any is sent. */
  async publishMany(inputs: readonly CommandInput[]): Promise<PublishedCommand[]> {
    const prepared = inputs.map((input) => this.prepare(input));
    await this.sendPrepared(prepared);
    return prepared.map(({ commandId, commandDigest }) => ({ commandId, commandDigest }));
  }

  /**
   * Awaits the result of a command published by this client (matched to the exact bytes sent),
   * or, for a commandId this client did not publish, the first result for it.
   */
  result(commandId: string, timeoutMs = this.options.resultTimeoutMs ?? 30_000): Promise<CommandResult> {
    return this.waiter.wait(commandId, timeoutMs, this.digests.get(commandId));
  }

  /** publish + result: the common case. */
  async send<T extends TenantCommandType>(input: CommandInput<T>, timeoutMs?: number): Promise<CommandResult>;
  async send<P extends JsonObject>(input: OpaqueCommandInput<P>, timeoutMs?: number): Promise<CommandResult>;
  async send(input: AnyCommandInput, timeoutMs?: number): Promise<CommandResult> {
    const prepared = this.prepare(input);
    const pending = this.result(prepared.commandId, timeoutMs);
    try {
      await this.sendPrepared([prepared]);
    } catch (error) {
      pending.catch(() => undefined);
      throw error;
    }
    return pending;
  }

  private prepare(input: AnyCommandInput): PreparedCommand {
    if (this.closed) throw new PublishError('CLIENT_CLOSED', 'the client is closed');
    const logical = this.buildCommand(input);
    const value = this.signAndEncode(logical);
    const commandDigest = sha256(value).toString('hex');
    this.digests.set(logical.commandId, commandDigest);
    if (this.digests.size > MAX_REMEMBERED_DIGESTS) this.digests.delete(this.digests.keys().next().value!);
    return { commandId: logical.commandId, commandDigest, record: { topic: this.options.topics.commands, key: logical.tenantId, value } };
  }

  private async sendPrepared(prepared: readonly PreparedCommand[]): Promise<void> {
    try {
      await this.producer.send(prepared.map((p) => p.record));
    } catch (error) {
      throw new PublishError('KAFKA_UNAVAILABLE', `could not publish ${prepared.length} command(s): ${(error as Error).message}`, { retriable: true, cause: error });
    }
  }

  private signAndEncode(logical: LogicalCommand): Buffer {
    const signature = sign(commandSigningBytes(logical), this.options.secretKey);
    try {
      return encodeCommand({ ...logical, signature });
    } catch (error) {
      if (error instanceof CodecError) throw new PublishError('INVALID_COMMAND', `${logical.type}: ${error.message}`, { cause: error });
      throw error;
    }
  }

  private buildCommand(input: AnyCommandInput): LogicalCommand {
    let schemaVersion: number;
    try {
      schemaVersion = latestVersion('commands', input.type);
    } catch {
      throw new PublishError('INVALID_COMMAND', `unknown command type '${input.type}'`);
    }
    return {
      commandId: input.commandId ?? randomUUID(),
      tenantId: input.tenantId,
      type: input.type,
      schemaVersion,
      issuedAt: (input.issuedAt ?? new Date()).toISOString(),
      actor: { kind: input.actor.kind, id: input.actor.id },
      producerKeyId: this.options.producerKeyId,
      // A typed payload is JSON by construction (domain/tenant/types.ts mirrors the Avro schemas field
      // for field), but TypeScript does not see an interface as an index signature; encodeCommand
      // checks it against the schema either way.
      payload: input.payload as JsonObject,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiter.closeAll();
    await Promise.all([this.producer.close(), this.tail.stop()]);
  }
}
