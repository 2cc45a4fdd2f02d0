// Errors of the schema/codec layer (STYLE.md §10). Match on `code`, never on message text.
// Messages name the field and the JSON type found, never the value (it may be a secret).
// A codec error is never retriable: the same bytes or the same value fail the same way.
import { PalisadeError } from '../domain/error-base.ts';

export type CodecErrorCode =
  // decoding
  | 'NOT_SINGLE_OBJECT' // no Avro single-object marker (0xC3 0x01)
  | 'UNKNOWN_SCHEMA' // the writer fingerprint, or the (type, version) to encode, is not in the registry
  | 'UNEXPECTED_SCHEMA' // a known schema, but not what this decoder reads (a CommandEnvelope given to decodeEvent)
  | 'MALFORMED' // truncated, garbage, or trailing bytes
  | 'PAYLOAD_TYPE_MISMATCH' // the payload record is not the envelope's type/schemaVersion (or the wrong group)
  | 'INVALID_VALUE' // decodes, but has no logical JSON form (long beyond 2^53-1, timestamp outside years 0000-9999)
  // encoding
  | 'SCHEMA_MISMATCH' // the JSON value does not fit the schema; `path` names the field
  // loading schemas at startup
  | 'INVALID_SCHEMA_FILE';

export class CodecError extends PalisadeError<CodecErrorCode> {
  readonly code: CodecErrorCode;
  /** Dotted path of the offending field (e.g. "payload.owner.email"), when there is one. */
  readonly path: string | undefined;
  readonly retriable = false;

  constructor(code: CodecErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(options?.path === undefined ? message : `${options.path}: ${message}`, { cause: options?.cause });
    this.name = 'CodecError';
    this.code = code;
    this.path = options?.path;
  }
}
