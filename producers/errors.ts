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
