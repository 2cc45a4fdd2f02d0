// The signing example of docs/spec.md ("Example: one signed command") as a test vector
// (test/fixtures/vectors/command-signing.json): every value is recomputed with the project's own
// code — the client library included — and the spec's labelled blocks must show exactly the
// vector. A changed byte in the code's output, the vector or the spec fails here.
import { createPrivateKey, createPublicKey, sign as nodeSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionFor } from '../../adapters/kafka/partitioner.ts';
import type { OutRecord } from '../../adapters/kafka/messages.ts';
import { topicNames } from '../../adapters/kafka/topics.ts';
import { COMMAND_SIGNING_CONTEXT, commandSigningBytes, verifyCommandSignature } from '../../crypto/command-signing.ts';
import { sign } from '../../crypto/ed25519.ts';
import { jcs } from '../../domain/chain/jcs.ts';
import { sha256 } from '../../domain/chain/sha256.ts';
import type { LogicalCommand } from '../../domain/logical.ts';
import { PalisadeClient, type ClientOptions } from '../../producers/client.ts';
import { decodeCommand, encodeCommand, encodePayload } from '../../schemas/codec.ts';
import { schemaRegistry } from '../../schemas/registry.ts';
import { fencedBlocks, labelOf, readDoc } from '../docs/markdown.ts';
import { nodeVerifies } from './node-ed25519.ts';

interface Vector {
  readonly description: string;
  readonly key: { readonly seed: string; readonly publicKey: string; readonly producerKeyId: string };
  readonly command: LogicalCommand;
  readonly signing: { readonly context: string; readonly text: string; readonly bytesHex: string; readonly signatureHex: string; readonly signatureBase64: string };
  readonly record: {
    readonly topic: string; readonly key: string; readonly keyHex: string; readonly murmur2: number; readonly partitions: number; readonly partition: number;
    readonly payloadCanonicalForm: string; readonly payloadHeaderHex: string; readonly payloadHex: string;
    readonly envelopeCanonicalForm: string; readonly envelopeHeaderHex: string; readonly valueHex: string; readonly commandDigest: string;
  };
}

const VECTOR = JSON.parse(readFileSync(new URL('../fixtures/vectors/command-signing.json', import.meta.url), 'utf8')) as Vector;
const { key, command, signing, record } = VECTOR;

// RFC 8410 PKCS#8 prefix of an Ed25519 private key (the 32-byte seed follows): Node derives the
// public key from the seed on its own, independently of libsodium.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const nodePrivateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(key.seed, 'hex')]), format: 'der', type: 'pkcs8' });
const publicKey = Buffer.from(key.publicKey, 'hex');
/** libsodium's 64-byte secret key: seed ‖ public key. */
const secretKey = Buffer.concat([Buffer.from(key.seed, 'hex'), publicKey]);

describe('the command-signing vector', () => {
  it('has the public key of its seed (RFC 8032 §7.1 TEST 1)', () => {
    const derived = createPublicKey(nodePrivateKey).export({ format: 'der', type: 'spki' }).subarray(-32);
    expect(derived.toString('hex')).toBe(key.publicKey);
    expect(key.publicKey).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  });

  it('signs exactly the context line and the RFC 8785 form of the eight logical fields', () => {
    const bytes = commandSigningBytes(command);
    expect(bytes.toString('utf8')).toBe(signing.text);
    expect(bytes.toString('hex')).toBe(signing.bytesHex);
    expect(signing.context).toBe(COMMAND_SIGNING_CONTEXT);
    expect(signing.text).toBe(signing.context + jcs(command));
    expect(Object.keys(command).sort()).toStrictEqual(['actor', 'commandId', 'issuedAt', 'payload', 'producerKeyId', 'schemaVersion', 'tenantId', 'type']);
  });

  it('has the signature the project and Node both make, in hex and base64', () => {
    const bytes = Buffer.from(signing.bytesHex, 'hex');
    const signature = sign(bytes, secretKey);
    expect(signature.toString('hex')).toBe(signing.signatureHex);
    expect(signature.toString('base64')).toBe(signing.signatureBase64);
    expect(nodeSign(null, bytes, nodePrivateKey).toString('hex')).toBe(signing.signatureHex);
    expect(nodeVerifies(bytes, signature, publicKey)).toBe(true);
    expect(verifyCommandSignature({ ...command, signature }, publicKey)).toBe(true);
  });

  it('encodes the payload and the envelope to exactly these bytes, and decodes them back', () => {
    const signature = Buffer.from(signing.signatureHex, 'hex');
    const payloadSchema = schemaRegistry.get(command.type, command.schemaVersion)!;
    const envelopeSchema = schemaRegistry.latest('CommandEnvelope')!;
    expect(payloadSchema.canonicalForm).toBe(record.payloadCanonicalForm);
    expect(payloadSchema.header.toString('hex')).toBe(record.payloadHeaderHex);
    expect(envelopeSchema.canonicalForm).toBe(record.envelopeCanonicalForm);
    expect(envelopeSchema.header.toString('hex')).toBe(record.envelopeHeaderHex);
    expect(encodePayload(command.type, command.schemaVersion, command.payload).toString('hex')).toBe(record.payloadHex);
    const value = encodeCommand({ ...command, signature });
    expect(value.toString('hex')).toBe(record.valueHex);
    expect(decodeCommand(value)).toStrictEqual({ ...command, signature });
    expect(sha256(value).toString('hex')).toBe(record.commandDigest);
  });

  it('goes to the tenant’s partition under its key', () => {
    expect(record.topic).toBe(topicNames('').commands);
    expect(record.key).toBe(command.tenantId);
    expect(Buffer.from(record.key, 'utf8').toString('hex')).toBe(record.keyHex);
    expect(murmur2(Buffer.from(record.keyHex, 'hex'))).toBe(record.murmur2);
    expect(partitionFor(record.key, record.partitions)).toBe(record.partition);
  });

  it('is what producers/client.ts publishes for this command', async () => {
    const sent: OutRecord[] = [];
    const producer = { send: async (records: OutRecord[]) => { sent.push(...records); }, close: async () => undefined };
    const tail = { stop: async () => undefined };
    const options: ClientOptions = { kafka: { brokers: ['unused:9092'] }, topics: { commands: record.topic, results: 'palisade.command-results' }, producerKeyId: key.producerKeyId, secretKey };
    // The constructor is private (connect() opens Kafka); the test hands it a recording producer.
    const Client = PalisadeClient as unknown as new (o: ClientOptions, p: typeof producer, t: typeof tail) => PalisadeClient;
    const client = new Client(options, producer, tail);
    const published = await client.publish({
      tenantId: command.tenantId, type: command.type, actor: command.actor, payload: command.payload,
      commandId: command.commandId, issuedAt: new Date(command.issuedAt),
    });
    await client.close();
    expect(published).toStrictEqual({ commandId: command.commandId, commandDigest: record.commandDigest });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.topic).toBe(record.topic);
    expect(sent[0]!.key).toBe(record.key);
    expect(sent[0]!.partition).toBeUndefined(); // the default murmur2 partitioner places it
    expect(Buffer.from(sent[0]!.value).toString('hex')).toBe(record.valueHex);
  });
});

describe('docs/spec.md "Example: one signed command"', () => {
  const blocks = fencedBlocks(readDoc('docs/spec.md'));
  const at = (path: string): unknown => path.split('.').reduce<unknown>((value, name) => (value as Record<string, unknown> | undefined)?.[name], VECTOR);
  const valueBlocks = blocks.flatMap((b) => (labelOf(b, 'vector') === undefined ? [] : [[labelOf(b, 'vector')!, b] as const]));
  const fieldBlocks = blocks.flatMap((b) => (labelOf(b, 'vector-fields') === undefined ? [] : [[labelOf(b, 'vector-fields')!, b] as const]));
  const fieldsOf = (content: string) => content.split('\n').map((line) => /^(\w+): (.*)$/.exec(line) ?? [line]);

  it.each(valueBlocks)('shows %s exactly', (path, block) => {
    const value = at(path);
    expect(value, `${path} is not in the vector`).toBeDefined();
    expect(block.content).toBe(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  });

  it.each(fieldBlocks)('shows the fields of %s exactly', (path, block) => {
    for (const [line, name, text] of fieldsOf(block.content)) {
      expect(name, `"${line}" is not "name: value"`).toBeDefined();
      expect(text, `${path}.${name}`).toBe(String(at(`${path}.${name}`)));
    }
  });

  it('lays out the record value byte for byte', () => {
    const layout = blocks.find((b) => labelOf(b, 'vector-layout') === 'record.valueHex');
    expect(layout).toBeDefined();
    const hex = layout!.content.split('\n').map((line) => line.split(/\s+/)[0]).join('');
    expect(hex).toBe(record.valueHex);
  });

  it('shows every value of the vector', () => {
    const shown = new Set([...valueBlocks.map(([path]) => path), ...fieldBlocks.flatMap(([path, b]) => fieldsOf(b.content).map(([, name]) => `${path}.${name}`))]);
    const unshown = (value: unknown, path: string): string[] => {
      if (shown.has(path)) return [];
      if (typeof value !== 'object' || value === null) return [path];
      return Object.entries(value).flatMap(([name, member]) => unshown(member, path === '' ? name : `${path}.${name}`));
    };
    // The description is prose; the context is the first line of signing.text (checked above).
    expect(unshown(VECTOR, '').filter((path) => path !== 'description' && path !== 'signing.context')).toStrictEqual([]);
  });
});
