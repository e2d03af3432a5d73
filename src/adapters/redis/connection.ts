/**
 * ioredis connections for the Store adapter and for BullMQ.
 *
 * - BullMQ needs `maxRetriesPerRequest: null` on any connection it is given (its blocking commands
 *   must wait through reconnects); ordinary clients fail a command after a few reconnect attempts
 *   instead of hanging a request for minutes.
 * - ioredis emits 'error' on every failed reconnect attempt; we log the first one and then stay
 *   quiet until the connection is ready again (one "recovered" line), so an outage is two lines
 *   in the log, not thousands.
 * - A target is one Redis (REDIS_URL), a master found through Sentinel (REDIS_SENTINELS) or a
 *   Redis Cluster (REDIS_CLUSTER_NODES); the same options apply to every node connection.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';

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

/**
 * With Sentinel or Cluster, losing the master is an expected event that ends by itself (the
 * Sentinels' down-after-milliseconds plus an election, usually seconds): a command waits through
 * about 20 s of reconnect attempts (100 ms + 200 ms + ... per attempt) instead of failing after
 * 0.6 s, so a stage result written mid-failover lands on the new master.
 */
const FAILOVER_RETRIES = 20;

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

export interface HostPort {
  host: string;
  port: number;
}

/** Where Redis is: one server, a Sentinel-managed master, or a cluster. */
export type RedisTarget =
  | { kind: 'url'; url: string }
  /** `url` gives the data nodes' credentials, db and TLS (its host is not used). */
  | { kind: 'sentinel'; sentinels: HostPort[]; name: string; sentinelPassword?: string; url: string }
  | { kind: 'cluster'; nodes: HostPort[]; url: string };

export interface RedisTargetSettings {
  REDIS_URL: string;
  REDIS_SENTINELS?: string | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
  REDIS_CLUSTER_NODES?: string | undefined;
}

function hostPorts(list: string): HostPort[] {
  return list.split(',').map((pair) => {
    const at = pair.lastIndexOf(':');
    return { host: pair.slice(0, at), port: Number(pair.slice(at + 1)) };
  });
}

export function redisTargetOf(s: RedisTargetSettings): RedisTarget {
  if (s.REDIS_SENTINELS && s.REDIS_SENTINEL_NAME) {
    return {
      kind: 'sentinel',
      sentinels: hostPorts(s.REDIS_SENTINELS),
      name: s.REDIS_SENTINEL_NAME,
      ...(s.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: s.REDIS_SENTINEL_PASSWORD } : {}),
      url: s.REDIS_URL,
    };
  }
  if (s.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: hostPorts(s.REDIS_CLUSTER_NODES), url: s.REDIS_URL };
  return { kind: 'url', url: s.REDIS_URL };
}

/** For log lines: never a password. */
export function describeRedisTarget(target: string | RedisTarget): string {
  if (typeof target === 'string') return redactRedisUrl(target);
  const list = (nodes: HostPort[]) => nodes.map((n) => `${n.host}:${n.port}`).join(',');
  if (target.kind === 'sentinel') return `sentinel ${target.name} via ${list(target.sentinels)}`;
  if (target.kind === 'cluster') return `cluster ${list(target.nodes)}`;
  return redactRedisUrl(target.url);
}

/** Credentials, db and TLS of a redis URL as ioredis options (for Sentinel and Cluster nodes). */
function urlAuth(url: string): RedisOptions {
  const u = new URL(url);
  const db = Number(u.pathname.slice(1));
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** A connection: one server (also behind Sentinel) or a Cluster; BullMQ and the store take either. */
export type RedisConnection = Redis | Cluster;

/** A connection to the target: a URL gives one server; a target may also be Sentinel or a Cluster. */
export function createRedis(target: string, opts?: CreateRedisOptions): Redis;
export function createRedis(target: string | RedisTarget, opts?: CreateRedisOptions): RedisConnection;
export function createRedis(target: string | RedisTarget, opts: CreateRedisOptions = {}): RedisConnection {
  const log = opts.log ?? stderrLogger;
  const label = opts.name ?? (opts.forBullmq ? 'bullmq' : 'store');
  const where = describeRedisTarget(target);
  const t: RedisTarget = typeof target === 'string' ? { kind: 'url', url: target } : target;
  const options: RedisOptions = {
    lazyConnect: false,
    enableReadyCheck: true,
    retryStrategy,
    maxRetriesPerRequest: opts.forBullmq ? null : t.kind === 'url' ? 3 : FAILOVER_RETRIES,
    ...(opts.name ? { connectionName: opts.name } : {}),
  };
  let redis: RedisConnection;
  if (t.kind === 'sentinel') {
    // ioredis asks the Sentinels for the master on every (re)connect and checks ROLE, so after a
    // failover it lands on the promoted replica. A master demoted while we stay connected answers
    // writes with READONLY: reconnect (to the new master) and resend. Not `failoverDetector`:
    // in ioredis 5.11 its disconnect during a reconnect attempt ends the connection for good.
    redis = new Redis({
      ...options,
      ...urlAuth(t.url),
      sentinels: t.sentinels,
      name: t.name,
      role: 'master',
      reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
      sentinelRetryStrategy: retryStrategy,
      ...(t.sentinelPassword ? { sentinelPassword: t.sentinelPassword } : {}),
    });
  } else if (t.kind === 'cluster') {
    redis = new Cluster(t.nodes, {
      redisOptions: { ...options, ...urlAuth(t.url) },
      clusterRetryStrategy: retryStrategy,
      enableReadyCheck: true,
    });
  } else {
    redis = new Redis(t.url, options);
  }

  let failing = false;
  redis.on('error', (err: Error) => {
    if (failing) return;
    failing = true;
    log.error({ redis: label, url: where, err: err.message }, 'redis connection error (further errors suppressed until it recovers)');
  });
  redis.on('ready', () => {
    if (!failing) return;
    failing = false;
    log.info({ redis: label, url: where }, 'redis connection recovered');
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
