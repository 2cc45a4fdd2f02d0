// One error base (domain/error-base.ts): every error class in the repository extends
// PalisadeError, so every error carries a stable `code`, `retriable` and its `cause`. The classes
// are found by reading the source, so a new one cannot be left out.
import { describe, expect, it } from 'vitest';
import { PalisadeError } from '../../domain/error-base.ts';
import { type AstNode, parseSource, readSource, ROOT, sourceFiles, walk } from './source-ast.ts';
import { ConfigError, MasterKeyError } from '../../deploy/config/errors.ts';
import { StackError } from '../../deploy/errors.ts';
import { CodecError } from '../../schemas/errors.ts';
import { BundleError, NotAnchoredError } from '../../audit/errors.ts';
import { AnchorerError } from '../../projections/anchors/errors.ts';
import { AppReadError, ProjectionError } from '../../projections/errors.ts';
import { ContentOpenError } from '../../consumers/chat-worker/content-opener.ts';
import { ProviderAbortedError } from '../../consumers/chat-worker/provider.ts';
import { ChatWorkerError, ProjectionLagError } from '../../consumers/chat-worker/errors.ts';
import { OpenerError, SecretsReaderError } from '../../consumers/vault/errors.ts';
import { IntakeRefused, ProcessorOptionError } from '../../consumers/command-processor/errors.ts';
import { KeyStoreError } from '../../crypto/vault/store/errors.ts';
import { VaultError } from '../../crypto/vault/errors.ts';
import { CryptoError } from '../../crypto/errors.ts';
import { KeyRegistryError, PublishError } from '../../producers/errors.ts';
import { MerkleError } from '../../domain/merkle/errors.ts';
import { ChainError } from '../../domain/chain/errors.ts';
import { MigrationError } from '../../adapters/postgres/errors.ts';
import { AnchorStoreError } from '../../adapters/storage/errors.ts';
import { KafkaEdgeError, TopicSetupError } from '../../adapters/kafka/errors.ts';

const BUILT_IN_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError']);

interface ClassFound {
  readonly file: string;
  readonly name: string;
  readonly extends: string;
  readonly exported: boolean;
}

/** Every class with an `extends` in the source files outside test/. */
function classesWithABase(): ClassFound[] {
  const found: ClassFound[] = [];
  for (const file of sourceFiles().filter((f) => !f.startsWith('test/'))) {
    const exported = new Set<string>();
    const classes: AstNode[] = [];
    walk(parseSource(readSource(file)), (node) => {
      if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') classes.push(node);
      if (node.type === 'ExportNamedDeclaration' && (node.declaration as AstNode | null)?.type === 'ClassDeclaration') exported.add(((node.declaration as AstNode).id as AstNode).name as string);
      if (node.type === 'ExportNamedDeclaration') for (const s of node.specifiers as AstNode[]) exported.add((s.local as AstNode | undefined)?.name as string);
    });
    for (const c of classes) {
      const base = c.superClass as AstNode | null;
      if (base === null) continue;
      const name = ((c.id as AstNode | null)?.name as string | undefined) ?? '(anonymous class)';
      const baseName = base.type === 'Identifier' ? base.name : base.type === 'MemberExpression' ? (base.property as AstNode).name : base.type;
      found.push({ file, name, extends: String(baseName), exported: exported.has(name) });
    }
  }
  return found;
}

/** The classes whose chain of bases reaches a built-in error. */
function errorClasses(classes: readonly ClassFound[]): ClassFound[] {
  const errors = new Set<string>(BUILT_IN_ERRORS);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of classes) if (errors.has(c.extends) && !errors.has(c.name)) (errors.add(c.name), (grew = true));
  }
  return classes.filter((c) => errors.has(c.name));
}

const CAUSE = new Error('underneath');

/** One instance of every exported error class, the name it must keep, and whether it was given CAUSE. */
const SAMPLES: Record<string, { readonly error: Error; readonly name?: string; readonly withCause?: boolean }> = {
  ConfigError: { error: new ConfigError('PALISADE_X', 'is bad', 'fix it') },
  MasterKeyError: { error: new MasterKeyError('MASTER_KEY_MISSING', 'PALISADE_MASTER_KEY', 'is not set', 'set it') },
  StackError: { error: new StackError('START_TIMEOUT', 'slow', { cause: CAUSE, retriable: true }), withCause: true },
  CodecError: { error: new CodecError('MALFORMED', 'bad bytes', { cause: CAUSE }), withCause: true },
  BundleError: { error: new BundleError('no manifest') },
  NotAnchoredError: { error: new NotAnchoredError('not yet') },
  AnchorerError: { error: new AnchorerError('STATE_CORRUPT', 'odd', { cause: CAUSE }), withCause: true },
  ProjectionError: { error: new ProjectionError('NOT_MIGRATED', 'no roles', { cause: CAUSE }), withCause: true },
  // Never named itself: it has always reported as a ProjectionError.
  AppReadError: { error: new AppReadError('42501', CAUSE), name: 'ProjectionError', withCause: true },
  ContentOpenError: { error: new ContentOpenError('does not open') },
  ProviderAbortedError: { error: new ProviderAbortedError() },
  ChatWorkerError: { error: new ChatWorkerError('NOT_A_TURN', 'not a turn', { cause: CAUSE }), withCause: true },
  ProjectionLagError: { error: new ProjectionLagError() },
  OpenerError: { error: new OpenerError('SECRET_NOT_FOUND', 'none') },
  SecretsReaderError: { error: new SecretsReaderError('INVALID_OPTION', 'bad tenant id') },
  IntakeRefused: { error: new IntakeRefused('SECRET_INTAKE_FAILED', 'refused') },
  ProcessorOptionError: { error: new ProcessorOptionError('brokers', 'empty') },
  KeyStoreError: { error: new KeyStoreError('UNWRAP_FAILED', 'no', { cause: CAUSE }), withCause: true },
  VaultError: { error: new VaultError('OPEN_FAILED', 'no', { cause: CAUSE }), withCause: true },
  CryptoError: { error: new CryptoError('INVALID_KEY_FILE', 'no', { cause: CAUSE }), withCause: true },
  PublishError: { error: new PublishError('KAFKA_UNAVAILABLE', 'down', { retriable: true, cause: CAUSE }), withCause: true },
  KeyRegistryError: { error: new KeyRegistryError('KEY_EXISTS', 'taken') },
  MerkleError: { error: new MerkleError('INVALID_SIZE', 'negative') },
  ChainError: { error: new ChainError('NOT_CANONICALIZABLE', 'NaN', { cause: CAUSE }), withCause: true },
  MigrationError: { error: new MigrationError('FAILED', 'no', { cause: CAUSE }), withCause: true },
  AnchorStoreError: { error: new AnchorStoreError('UNAVAILABLE', 'down', { cause: CAUSE }), withCause: true },
  TopicSetupError: { error: new TopicSetupError('PARTITION_MISMATCH', 'palisade.events', 'differs') },
  KafkaEdgeError: { error: new KafkaEdgeError('fenced', 'fenced', CAUSE), withCause: true },
};

describe('the error base', () => {
  const classes = errorClasses(classesWithABase());

  it('is the only class that extends a built-in error', () => {
    expect(classes.filter((c) => BUILT_IN_ERRORS.has(c.extends)).map((c) => `${c.file}: ${c.name}`)).toStrictEqual(['domain/error-base.ts: PalisadeError']);
  });

  it('is extended by every error class, exported or not', async () => {
    expect(classes.length).toBeGreaterThanOrEqual(Object.keys(SAMPLES).length);
    for (const c of classes.filter((k) => k.exported)) {
      const module = (await import(`${ROOT}${c.file}`)) as Record<string, unknown>;
      expect(module[c.name], `${c.file}: ${c.name}`).toSatisfy((cls: unknown) => typeof cls === 'function' && (cls === PalisadeError || cls.prototype instanceof PalisadeError));
    }
  });

  it('every exported error class carries a code, retriable, its cause, and keeps its name', () => {
    const exported = classes.filter((c) => c.exported && c.name !== 'PalisadeError').map((c) => c.name);
    expect(Object.keys(SAMPLES).sort()).toStrictEqual([...exported].sort());
    for (const [className, sample] of Object.entries(SAMPLES)) {
      const { error } = sample;
      expect(error, className).toBeInstanceOf(PalisadeError);
      expect(error.constructor.name).toBe(className);
      expect(error.name).toBe(sample.name ?? className);
      const { code, retriable } = error as PalisadeError;
      expect(typeof code === 'string' && code.length > 0, `${className}.code`).toBe(true);
      expect(typeof retriable, `${className}.retriable`).toBe('boolean');
      expect(error.cause, `${className}.cause`).toBe(sample.withCause === true ? CAUSE : undefined);
    }
  });
});
