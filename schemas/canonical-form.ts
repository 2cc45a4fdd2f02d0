// Avro "Parsing Canonical Form" (Avro specification, "Parsing Canonical Form for Schemas"):
// the transformation that makes two schemas that read data the same way compare equal. Its
// CRC-64-AVRO is the fingerprint in every single-object encoded record.
//   [PRIMITIVES] {"type":"int"} → "int"      [FULLNAMES] names fully qualified
//   [STRIP] keep only type, name, fields, symbols, items, values, size (so doc, aliases,
//           default, order and logicalType do not change a fingerprint)
//   [ORDER] name, type, fields, symbols, items, values, size
//   [STRINGS]/[INTEGERS]/[WHITESPACE] JSON.stringify forms, no whitespace
// A named type is written in full once; later references are its full name.

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

export function parsingCanonicalForm(schema: unknown): string {
  return write(schema, '', new Set());
}

function write(schema: unknown, namespace: string, defined: Set<string>): string {
  if (typeof schema === 'string') {
    return JSON.stringify(PRIMITIVES.has(schema) ? schema : fullName(schema, namespace));
  }
  if (Array.isArray(schema)) {
    return `[${schema.map((branch) => write(branch, namespace, defined)).join(',')}]`;
  }
  if (typeof schema !== 'object' || schema === null) {
    throw new TypeError(`not an Avro schema: ${JSON.stringify(schema)}`);
  }
  const s = schema as Record<string, unknown>;
  const type = s.type;
  if (typeof type !== 'string') return write(type, namespace, defined); // {"type": {...}} or {"type": [...]}
  switch (type) {
    case 'record':
    case 'enum':
    case 'fixed': {
      const name = fullName(requireString(s.name, 'name'), typeof s.namespace === 'string' ? s.namespace : namespace);
      if (defined.has(name)) return JSON.stringify(name);
      defined.add(name);
      const head = `{"name":${JSON.stringify(name)},"type":${JSON.stringify(type)}`;
      if (type === 'enum') return `${head},"symbols":${JSON.stringify(s.symbols)}}`;
      if (type === 'fixed') return `${head},"size":${JSON.stringify(s.size)}}`;
      const inner = namespaceOf(name);
      const fields = (s.fields as Record<string, unknown>[]).map(
        (field) => `{"name":${JSON.stringify(requireString(field.name, 'field name'))},"type":${write(field.type, inner, defined)}}`,
      );
      return `${head},"fields":[${fields.join(',')}]}`;
    }
    case 'array':
      return `{"type":"array","items":${write(s.items, namespace, defined)}}`;
    case 'map':
      return `{"type":"map","values":${write(s.values, namespace, defined)}}`;
    default:
      // A primitive (any logicalType is stripped) or a reference to a named type.
      return write(type, namespace, defined);
  }
}

function fullName(name: string, namespace: string): string {
  return name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
}

function namespaceOf(fullName: string): string {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? '' : fullName.slice(0, dot);
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`Avro schema ${what} must be a string`);
  return value;
}
