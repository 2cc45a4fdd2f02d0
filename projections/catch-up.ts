// A rebuild's position per partition, and "every partition reached its target end" as a
// promise (the target moves while the rebuild chases the live stream).

/** Positions per partition, and a promise for "every partition reached its end". */
export class CatchUp {
  private readonly positions: Map<number, bigint>;
  private readonly starts: Map<number, bigint>;
  private ends: Map<number, bigint>;
  private waiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private failure: unknown;
  events = 0;

  constructor(starts: Map<number, bigint>, ends: Map<number, bigint>) {
    this.starts = new Map(starts);
    this.positions = new Map(starts);
    this.ends = ends;
  }

  advance(partition: number, next: bigint, events: number): void {
    if (next > (this.positions.get(partition) ?? 0n)) this.positions.set(partition, next);
    this.events += events;
    this.check();
  }

  setEnds(ends: Map<number, bigint>): void {
    this.ends = ends;
  }

  fail(error: unknown): void {
    this.failure ??= error;
    this.waiter?.reject(error);
  }

  done(): number {
    let done = 0n;
    for (const [p, position] of this.positions) done += position - (this.starts.get(p) ?? 0n);
    return Number(done);
  }

  total(): number {
    let total = 0n;
    for (const [p, end] of this.ends) {
      const start = this.starts.get(p) ?? 0n;
      if (end > start) total += end - start;
    }
    return Number(total);
  }

  private reached(): boolean {
    for (const [p, end] of this.ends) if ((this.positions.get(p) ?? 0n) < end) return false;
    return true;
  }

  private check(): void {
    if (this.waiter !== undefined && this.reached()) this.waiter.resolve();
  }

  /** Resolves once every partition reached the current ends. */
  wait(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.check();
    });
  }
}
