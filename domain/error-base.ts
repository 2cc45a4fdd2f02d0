// The one base of every error class in Palisade (STYLE.md §10): a stable `code` to match on
// (never the message, which may improve), whether the same call can succeed if tried again
// (`retriable`: only these are retried), and the underlying `cause` when there is one.
// test/architecture/error-classes.unit.test.ts checks that every error class extends it.
//
// A subclass fixes its codes and its name, and says how `retriable` is decided:
//   export class XError extends PalisadeError<XErrorCode> {
//     readonly code: XErrorCode;
//     readonly retriable = false;
//     constructor(code: XErrorCode, message: string, options: { cause?: unknown } = {}) {
//       super(message, options);
//       this.name = 'XError';
//       this.code = code;
//     }
//   }
// (`code` and `retriable` are set by the subclass, not passed up, so an error that computes
// them, like KafkaEdgeError, reads as plainly as one that fixes them.)

export interface PalisadeErrorOptions {
  /** What went wrong underneath (a pg or kafkajs error, a failed read); kept for logs and `retriable` checks. */
  readonly cause?: unknown;
}

export abstract class PalisadeError<Code extends string = string> extends Error {
  /** Stable: callers and tests match on it. Never renamed once released. */
  abstract readonly code: Code;
  /** True when trying the same call again can succeed (a connection dropped, a store did not answer). */
  abstract readonly retriable: boolean;

  constructor(message: string, options: PalisadeErrorOptions = {}) {
    // `cause` only when there is one, so an error without a cause has no `cause` property.
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
