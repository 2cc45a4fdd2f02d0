/** A bad configuration value: names the variable, what is wrong and how to fix it (STYLE.md §11). */
export class ConfigError extends Error {
  /** The environment variable (or file) at fault, e.g. `PALISADE_PARTITIONS`. */
  readonly variable: string;
  readonly retriable = false;

  constructor(variable: string, problem: string, fix: string) {
    super(`${variable} ${problem}: ${fix}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}
