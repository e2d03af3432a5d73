/**
 * ioredis connections for the Store adapter and for BullMQ.
 *
 * - BullMQ needs `maxRetriesPerRequest: null` on any connection it is given (its blocking commands
 *   must wait through reconnects); ordinary clients fail a command after a few reconnect attempts
 *   instead of hanging a request for minutes.
 * - ioredis emits 'error' on every failed reconnect attempt; we log the first one and then stay
 *   quiet until the connection is ready again (one "recovered" line), so an outage is two lines
 *   in the log, not thousands.
 */
import { Redis, type RedisOptions } from 'ioredis';

import { type Logger } from '../../core/ports/runtime.js';

export interface CreateRedisOptions {
  /** Connection for BullMQ (Queue/Worker/FlowProducer): sets `maxRetriesPerRequest: null`. */
  forBullmq?: boolean;
  /** CLIENT SETNAME value and log label. */
  name?: string;
  /** Where connection trouble is reported; defaults to one JSON line on stderr. */
  log?: Logger;
}

const stderrLogger: Logger = {
  debug() {},
  info(obj, msg) {
    process.stderr.write(`${JSON.stringify({ level: 'info', ...obj, msg })}\n`);
  },
  warn(obj, msg) {
    process.stderr.write(`${JSON.stringify({ level: 'warn', ...obj, msg })}\n`);
  },
  error(obj, msg) {
    process.stderr.write(`${JSON.stringify({ level: 'error', ...obj, msg })}\n`);
  },
  child() {
    return stderrLogger;
  },
};

/** Reconnect delay: 100 ms, 200 ms, ... capped at 3 s. Never gives up (returning a number). */
function retryStrategy(times: number): number {
  return Math.min(times * 100, 3000);
}

/** Host:port of a redis URL without credentials, for log lines. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return '(unparsable redis url)';
  }
}

export function createRedis(url: string, opts: CreateRedisOptions = {}): Redis {
  const log = opts.log ?? stderrLogger;
  const label = opts.name ?? (opts.forBullmq ? 'bullmq' : 'store');
  const options: RedisOptions = {
    lazyConnect: false,
    enableReadyCheck: true,
    retryStrategy,
    maxRetriesPerRequest: opts.forBullmq ? null : 3,
    ...(opts.name ? { connectionName: opts.name } : {}),
  };
  const redis = new Redis(url, options);

  let failing = false;
  redis.on('error', (err: Error) => {
    if (failing) return;
    failing = true;
    log.error(
      { redis: label, url: redactRedisUrl(url), err: err.message },
      'redis connection error (further errors suppressed until it recovers)',
    );
  });
  redis.on('ready', () => {
    if (!failing) return;
    failing = false;
    log.info({ redis: label, url: redactRedisUrl(url) }, 'redis connection recovered');
  });
  return redis;
}

/**
 * Polls until Redis answers PING or `timeoutMs` passes. Never throws; the probe connection is
 * always closed. For start-up ordering and /readyz-style checks.
 */
export async function waitForRedis(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const probe = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: Math.max(50, Math.min(timeoutMs, 2000)),
  });
  probe.on('error', () => {
    /* expected while Redis is not up yet; the loop below reports the outcome */
  });
  try {
    for (;;) {
      try {
        if (probe.status === 'wait' || probe.status === 'end' || probe.status === 'close') {
          await probe.connect();
        }
        if ((await probe.ping()) === 'PONG') return true;
      } catch {
        // not reachable yet
      }
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, left)));
    }
  } finally {
    probe.disconnect();
  }
}
