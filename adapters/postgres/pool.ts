// The one way Palisade opens a PostgreSQL pool.
//
// Why: a pg Pool re-emits a client's late 'error' (the server's FATAL 57P01 on shutdown, a
// reset socket) on itself, and an EventEmitter 'error' with no listener kills the process. That
// happens even after `pool.end()` resolved, because pg-pool resolves before its clients finish
// closing. Every pool therefore gets a listener, and the lint forbids `new pg.Pool` elsewhere.
import pg from 'pg';

export type IdleErrorHandler = (error: Error) => void;

/** A pool whose idle or closing connections can fail without crashing the process. */
export function openPool(config: pg.PoolConfig, onIdleError: IdleErrorHandler = () => undefined): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', onIdleError);
  return pool;
}
