// kafkajs can leave a request pending forever after a broker restart (seen here: a retried
// AddPartitionsToTxn, and a heartbeat, never settled). A watchdog turns such a wait into an
// error the caller can act on.
import { KafkaEdgeError } from './errors.ts';

export function withWatchdog<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KafkaEdgeError(`${what} did not complete within ${ms} ms`, 'fatal')), ms);
  });
  work.catch(() => undefined); // it may settle after the watchdog fired: nobody listens any more
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
