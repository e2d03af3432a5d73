import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { REDIS_URL } from '../test/support/redis.js';

/**
 * Redis command counts and memory for the benches. `INFO commandstats` counts every command the
 * server ran, those inside Lua scripts (BullMQ's, ours) included, for every client: on the shared
 * Redis other helpers' tests would be counted too. So a bench that counts commands gets a Redis of
 * its own (`redis-server` on a free loopback port, no persistence), and falls back to REDIS_URL
 * (saying so) where no redis-server binary exists.
 */
export interface BenchRedis {
  url: string;
  /** False when the figures come from the shared Redis (other clients may be counted). */
  private: boolean;
  admin: Redis;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function ready(url: string, deadlineMs: number): Promise<Redis> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined); // refused until the server listens: connect() rejects, we retry
    try {
      await r.connect();
      if ((await r.ping()) === 'PONG') return r;
    } catch {
      r.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`bench redis at ${url} did not start`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-redis-'));
  let child: ChildProcess | undefined;
  try {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: 'ignore',
    });
    const failed = new Promise<never>((_, reject) => child!.once('error', reject));
    const url = `redis://127.0.0.1:${port}`;
    const admin = await Promise.race([ready(url, 5000), failed]);
    const proc = child;
    return {
      url,
      private: true,
      admin,
      async close() {
        await admin.quit().catch(() => admin.disconnect());
        proc.kill('SIGTERM');
        await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch {
    child?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    const admin = new Redis(REDIS_URL);
    return { url: REDIS_URL, private: false, admin, close: async () => void (await admin.quit()) };
  }
}

/** Calls per command name from `INFO commandstats` (Lua's inner commands included). */
export async function commandCalls(admin: Redis): Promise<Map<string, number>> {
  const info = await admin.info('commandstats');
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1]!, Number(m[2]));
  return calls;
}

/**
 * Commands run while `fn` ran, by name, minus the INFO call that closes the window. Counting
 * brackets everything the server did in between: background polling of idle workers included.
 */
export async function countCommands<T>(
  admin: Redis,
  fn: () => Promise<T>,
): Promise<{ result: T; total: number; byName: Map<string, number> }> {
  const before = await commandCalls(admin);
  const result = await fn();
  const after = await commandCalls(admin);
  const byName = new Map<string, number>();
  let total = 0;
  for (const [name, n] of after) {
    const d = n - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    if (d > 0) {
      byName.set(name, d);
      total += d;
    }
  }
  return { result, total, byName };
}

/** `name n, name n, …` for the largest `top` entries, divided by `per` (per stage, per job). */
export function topCommands(byName: Map<string, number>, per: number, top = 6): string {
  return [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, n]) => `${name} ${(n / per).toFixed(1)}`)
    .join(', ');
}

export async function usedMemory(admin: Redis): Promise<number> {
  const m = /^used_memory:(\d+)/m.exec(await admin.info('memory'));
  return m ? Number(m[1]) : NaN;
}
