/**
 * Real redis-server processes for the Sentinel and Cluster tests: each on a free loopback port in
 * its own temp dir, each remembered so `stopAll()` (called from afterAll, also after a failure)
 * ends it by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export class RedisProcesses {
  readonly dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
  private readonly children: ChildProcess[] = [];
  private readonly clients: Redis[] = [];

  /** `redis-server` with `args` on a free port; resolves when it answers PING. */
  async server(args: string[] = []): Promise<{ port: number; child: ChildProcess }> {
    const port = await freePort();
    const dir = join(this.dir, `node-${port}`);
    mkdirSync(dir);
    const child = this.spawn(['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args]);
    await this.untilPing(port);
    return { port, child };
  }

  /** `redis-server sentinel.conf --sentinel` monitoring `name` at masterPort (quorum 2). */
  async sentinel(name: string, masterPort: number): Promise<{ port: number; child: ChildProcess }> {
    const port = await freePort();
    const conf = join(this.dir, `sentinel-${port}.conf`);
    // Sentinel rewrites its config file (known replicas and sentinels), so it lives in the temp dir.
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        '',
      ].join('\n'),
    );
    const child = this.spawn([conf, '--sentinel']);
    await this.untilPing(port);
    return { port, child };
  }

  /** A plain client, closed by stopAll(). */
  client(port: number): Redis {
    const c = new Redis({ host: '127.0.0.1', port, lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
    c.on('error', () => undefined);
    this.clients.push(c);
    return c;
  }

  /** SIGKILL every process started here, by pid, and remove the temp dir. */
  async stopAll(): Promise<void> {
    for (const c of this.clients) c.disconnect();
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
            child.once('exit', () => resolve());
            process.kill(child.pid, 'SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(args: string[]): ChildProcess {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.children.push(child);
    return child;
  }

  private async untilPing(port: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis({
        host: '127.0.0.1',
        port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        enableOfflineQueue: false,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        // not up yet
      } finally {
        probe.disconnect();
      }
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} never answered`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Polls `probe` until truthy (returned) or `timeoutMs` passes (throws naming `what`). */
export async function until<T>(probe: () => Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}
