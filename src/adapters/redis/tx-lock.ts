/**
 * Serialises WATCH/MULTI/EXEC transactions per ioredis connection. WATCH is connection state:
 * two read-modify-write cycles interleaved on one connection clear each other's WATCH (the first
 * EXEC unwatches everything) and the second EXEC then runs unguarded, losing a write. Holding this
 * lock from WATCH to EXEC prevents that; ordinary commands may still interleave.
 */
import type { Redis } from 'ioredis';

/** Per-connection transaction state: a FIFO lock and a counter bumped on every disconnect. */
export interface TxState {
  tail: Promise<void>;
  epoch: number;
}
const txStates = new WeakMap<Redis, TxState>();

export function txState(redis: Redis): TxState {
  let state = txStates.get(redis);
  if (!state) {
    const created: TxState = { tail: Promise.resolve(), epoch: 0 };
    // A WATCH does not survive a reconnect: an EXEC queued across one would run unguarded.
    redis.on('close', () => {
      created.epoch += 1;
    });
    txStates.set(redis, created);
    state = created;
  }
  return state;
}

/** Runs `fn` while holding this connection's transaction lock. */
export async function withTxLock<R>(redis: Redis, fn: () => Promise<R>): Promise<R> {
  const state = txState(redis);
  const previous = state.tail;
  let release!: () => void;
  state.tail = new Promise<void>((resolve) => {
    release = resolve;
  });
  await previous;
  try {
    return await fn();
  } finally {
    release();
  }
}
