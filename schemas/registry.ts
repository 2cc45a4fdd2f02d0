// Every published schema version, loaded once at startup from schemas/<group>/<Name>.v<N>.avsc.
// Old versions are never edited or removed: stored events name their writer schema by
// fingerprint, and a fingerprint that is not here makes those events unreadable.
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Type } from 'avsc';
import { type JsonMapping, compileJsonMapping } from './avro-json.ts';
import { parseAvroSchema } from './avro-parse.ts';
import { parsingCanonicalForm } from './canonical-form.ts';
import { CodecError } from './errors.ts';
import { schemaFingerprint } from './rabin.ts';
import { fingerprintKey, fingerprintKeyOf, singleObjectHeader } from './single-object.ts';

export const SCHEMA_GROUPS = ['envelope', 'commands', 'events'] as const;
export type SchemaGroup = (typeof SCHEMA_GROUPS)[number];

export interface SchemaEntry {
  /** Short record name, the logical `type` (e.g. "MemberAdded"). */
  readonly name: string;
  /** e.g. "palisade.events.MemberAdded"; its last namespace segment is the group. */
  readonly fullName: string;
  readonly group: SchemaGroup;
  /** N of <Name>.v<N>.avsc: the logical `schemaVersion`. */
  readonly version: number;
  readonly file: string;
  readonly canonicalForm: string;
  /** CRC-64-AVRO of the canonical form, unsigned. */
  readonly fingerprint: bigint;
  /** The 10-byte single-object header of records written with this schema. */
  readonly header: Buffer;
  readonly type: Type;
  readonly mapping: JsonMapping;
}

const FILE_NAME = /^([A-Za-z_][A-Za-z0-9_]*)\.v([1-9][0-9]*)\.avsc$/;

export class SchemaRegistry {
  readonly #byFingerprint = new Map<string, SchemaEntry>();
  readonly #byNameVersion = new Map<string, SchemaEntry>();
  readonly #latest = new Map<string, SchemaEntry>();
  readonly #fullNames = new Map<string, string>();

  /** Loads every *.avsc under the given directories (recursively). Throws INVALID_SCHEMA_FILE. */
  static load(directories: readonly string[]): SchemaRegistry {
    const registry = new SchemaRegistry();
    for (const directory of directories) {
      const files = readdirSync(directory, { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.avsc'))
        .sort();
      for (const file of files) registry.add(join(directory, file));
    }
    return registry;
  }

  add(file: string): SchemaEntry {
    const entry = loadEntry(file);
    const invalid = (why: string) => new CodecError('INVALID_SCHEMA_FILE', `${file}: ${why}`);
    const existing = this.#byFingerprint.get(fingerprintKey(entry.fingerprint));
    if (existing !== undefined) throw invalid(`same Parsing Canonical Form as ${existing.file}`);
    const nameVersion = `${entry.name}@${entry.version}`;
    if (this.#byNameVersion.has(nameVersion)) throw invalid(`${entry.name} v${entry.version} is already loaded`);
    const fullName = this.#fullNames.get(entry.name);
    if (fullName !== undefined && fullName !== entry.fullName) throw invalid(`short name ${entry.name} is also ${fullName}`);

    this.#fullNames.set(entry.name, entry.fullName);
    this.#byFingerprint.set(fingerprintKey(entry.fingerprint), entry);
    this.#byNameVersion.set(nameVersion, entry);
    const latest = this.#latest.get(entry.name);
    if (latest === undefined || latest.version < entry.version) this.#latest.set(entry.name, entry);
    return entry;
  }

  /** The writer schema named by a single-object header. Throws NOT_SINGLE_OBJECT, MALFORMED, UNKNOWN_SCHEMA. */
  writerOf(bytes: Buffer): SchemaEntry {
    const entry = this.#byFingerprint.get(fingerprintKeyOf(bytes));
    if (entry === undefined) {
      throw new CodecError('UNKNOWN_SCHEMA', `no schema with fingerprint ${bytes.readBigUInt64LE(2).toString(16)}`);
    }
    return entry;
  }

  byFingerprint(fingerprint: bigint): SchemaEntry | undefined {
    return this.#byFingerprint.get(fingerprintKey(fingerprint));
  }

  get(name: string, version: number): SchemaEntry | undefined {
    return this.#byNameVersion.get(`${name}@${version}`);
  }

  latest(name: string): SchemaEntry | undefined {
    return this.#latest.get(name);
  }

  entries(): SchemaEntry[] {
    return [...this.#byNameVersion.values()];
  }
}

function loadEntry(file: string): SchemaEntry {
  const invalid = (why: string, cause?: unknown) => new CodecError('INVALID_SCHEMA_FILE', `${file}: ${why}`, { cause });
  const match = FILE_NAME.exec(basename(file));
  if (match === null) throw invalid('expected <Name>.v<N>.avsc');
  const [, fileName, versionText] = match as unknown as [string, string, string];
  let schema: unknown;
  let type: Type;
  try {
    schema = JSON.parse(readFileSync(file, 'utf8'));
    type = parseAvroSchema(schema);
  } catch (cause) {
    throw invalid('not a valid Avro schema', cause);
  }
  const fullName = type.name;
  if (type.typeName !== 'record' || fullName === undefined) throw invalid('the top-level type must be a named record');
  const dot = fullName.lastIndexOf('.');
  const name = fullName.slice(dot + 1);
  const group = fullName.slice(fullName.lastIndexOf('.', dot - 1) + 1, dot);
  if (name !== fileName) throw invalid(`record ${name} in a file named for ${fileName}`);
  if (!(SCHEMA_GROUPS as readonly string[]).includes(group) || fullName !== `palisade.${group}.${name}`) {
    throw invalid(`namespace must be palisade.<${SCHEMA_GROUPS.join('|')}>`);
  }
  const folder = basename(dirname(file));
  if ((SCHEMA_GROUPS as readonly string[]).includes(folder) && folder !== group) {
    throw invalid(`a palisade.${group} schema in the ${folder}/ folder`);
  }
  const canonicalForm = parsingCanonicalForm(schema);
  const fingerprint = schemaFingerprint(canonicalForm);
  return {
    name,
    fullName,
    group: group as SchemaGroup,
    version: Number(versionText),
    file,
    canonicalForm,
    fingerprint,
    header: singleObjectHeader(fingerprint),
    type,
    mapping: compileJsonMapping(type),
  };
}

/** Where this project's published schemas live: next to this file. */
export const SCHEMAS_DIR = dirname(fileURLToPath(import.meta.url));

/** The project's schemas, loaded at startup; a broken schema file stops the process here. */
export const schemaRegistry: SchemaRegistry = SchemaRegistry.load([SCHEMAS_DIR]);

/**
 * The version producers write for a payload type: the highest published one.
 * Throws UNKNOWN_SCHEMA when `type` is not a payload of that group.
 */
export function latestVersion(group: Exclude<SchemaGroup, 'envelope'>, type: string, registry: SchemaRegistry = schemaRegistry): number {
  const entry = registry.latest(type);
  if (entry === undefined || entry.group !== group) {
    throw new CodecError('UNKNOWN_SCHEMA', `no ${group} schema named ${type}`);
  }
  return entry.version;
}
