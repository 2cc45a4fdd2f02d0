// Matches CommandResults arriving from Kafka with callers awaiting them. A result answers a
// waiter only when its commandDigest matches the bytes that waiter's command was sent as, so a
// forged command reusing the commandId cannot deliver a fake answer. Results that arrive before
// anyone asks are kept (bounded), so `publish` then `result` later cannot miss one.
import type { CommandResult } from '../domain/logical.ts';
import { PublishError } from './errors.ts';

interface Waiter {
  readonly digest: string | undefined;
  resolve(result: CommandResult): void;
  readonly timer: NodeJS.Timeout;
}

const matches = (digest: string | undefined, result: CommandResult) => digest === undefined || digest === result.commandDigest;

export class ResultWaiter {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly arrived = new Map<string, CommandResult[]>();
  private readonly rejecters = new Set<(error: Error) => void>();
  private readonly keepArrived: number;

  constructor(keepArrived = 10_000) {
    this.keepArrived = keepArrived;
  }

  deliver(result: CommandResult): void {
    const waiting = this.waiters.get(result.commandId) ?? [];
    const answered = waiting.filter((w) => matches(w.digest, result));
    if (answered.length > 0) {
      const rest = waiting.filter((w) => !answered.includes(w));
      if (rest.length > 0) this.waiters.set(result.commandId, rest);
      else this.waiters.delete(result.commandId);
      for (const w of answered) {
        clearTimeout(w.timer);
        w.resolve(result);
      }
      return;
    }
    this.arrived.set(result.commandId, [...(this.arrived.get(result.commandId) ?? []), result]);
    if (this.arrived.size > this.keepArrived) this.arrived.delete(this.arrived.keys().next().value!);
  }

  /** `digest`: the hex SHA-256 of the command bytes sent; without it any result for the id answers. */
  wait(commandId: string, timeoutMs: number, digest?: string): Promise<CommandResult> {
    const early = this.arrived.get(commandId)?.find((r) => matches(digest, r));
    if (early) {
      this.arrived.delete(commandId);
      return Promise.resolve(early);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.rejecters.delete(reject);
        const list = this.waiters.get(commandId)?.filter((w) => w.timer !== timer) ?? [];
        if (list.length > 0) this.waiters.set(commandId, list);
        else this.waiters.delete(commandId);
        reject(new PublishError('RESULT_TIMEOUT', `no result for command ${commandId} within ${timeoutMs} ms; it may still be processed: wait again or republish with the same commandId`, { retriable: true }));
      }, timeoutMs);
      this.rejecters.add(reject);
      const list = this.waiters.get(commandId) ?? [];
      list.push({ digest, resolve: (r) => { this.rejecters.delete(reject); resolve(r); }, timer });
      this.waiters.set(commandId, list);
    });
  }

  closeAll(): void {
    for (const list of this.waiters.values()) for (const w of list) clearTimeout(w.timer);
    this.waiters.clear();
    for (const reject of this.rejecters) reject(new PublishError('CLIENT_CLOSED', 'the client was closed while waiting for a result'));
    this.rejecters.clear();
  }
}
