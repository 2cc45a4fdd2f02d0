// Errors of the client library. Callers match on `code`.
import { PalisadeError } from '../domain/error-base.ts';

export type PublishErrorCode = 'INVALID_COMMAND' | 'RESULT_TIMEOUT' | 'CLIENT_CLOSED' | 'KAFKA_UNAVAILABLE';

export class PublishError extends PalisadeError<PublishErrorCode> {
  readonly code: PublishErrorCode;
  readonly retriable: boolean;
  constructor(code: PublishErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PublishError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

export type KeyRegistryErrorCode = 'INVALID_KEY_ID' | 'INVALID_PUBLIC_KEY' | 'KEY_EXISTS' | 'INVALID_CAPABILITIES';

/** A producer-key registration refused before or by the registry (producers/key-registry.ts). */
export class KeyRegistryError extends PalisadeError<KeyRegistryErrorCode> {
  readonly code: KeyRegistryErrorCode;
  readonly retriable = false;
  constructor(code: KeyRegistryErrorCode, message: string) {
    super(message);
    this.name = 'KeyRegistryError';
    this.code = code;
  }
}
