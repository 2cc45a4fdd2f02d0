// Errors of the configuration (STYLE.md §10, §11): each names the variable at fault, what is
// wrong with it and how to fix it; none is retriable (the same environment fails the same way).
import { PalisadeError } from '../../domain/error-base.ts';

export type MasterKeyErrorCode =
  | 'MASTER_KEY_MISSING' // neither variable is set (and no local development key applies)
  | 'MASTER_KEY_AMBIGUOUS' // both are set
  | 'MASTER_KEY_MALFORMED' // not 64 hex digits
  | 'MASTER_KEY_UNREADABLE' // the key file does not exist or cannot be read
  | 'MASTER_KEY_PERMISSIONS'; // the key file is accessible by group or others, or not a regular file

export type ConfigErrorCode =
  | 'CONFIG_INVALID' // a variable (or stack.json) holds a value that cannot be used
  | MasterKeyErrorCode;

/** A bad configuration value: names the variable, what is wrong and how to fix it. */
export class ConfigError extends PalisadeError<ConfigErrorCode> {
  readonly code: ConfigErrorCode = 'CONFIG_INVALID';
  /** The environment variable (or file) at fault, e.g. `PALISADE_PARTITIONS`. */
  readonly variable: string;
  readonly retriable = false;

  constructor(variable: string, problem: string, fix: string) {
    super(`${variable} ${problem}: ${fix}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** A master key that cannot be loaded: the service must not start. */
export class MasterKeyError extends ConfigError {
  override readonly code: MasterKeyErrorCode;

  constructor(code: MasterKeyErrorCode, variable: string, problem: string, fix: string) {
    super(variable, problem, fix);
    this.name = 'MasterKeyError';
    this.code = code;
  }
}
