import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { waitForRedis } from '../adapters/redis/connection.js';

/**
 * `npm start` on a laptop without Redis: if redis-server is installed, run a private one for the
 * session with its data in DATA_DIR (git-ignored), so plans and incidents survive a restart.
 * Never with Sentinel or Cluster (`managed`): there the operator runs Redis, and a private server
 * would only hide a wrong address.
 */
export async function ensureRedis(url: string, dataDir: string, managed = false): Promise<{ url: string; child?: ChildProcess }> {
  if (managed || (await waitForRedis(url, 1500))) return { url };
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      `Nothing answers at REDIS_URL (${new URL(url).host}) and redis-server is not installed:` +
        ' install it (e.g. apt-get install redis-server) or set REDIS_URL to a running Redis.',
    );
  }
  const port = await freePort();
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '60 1', '--logfile', 'redis.log'],
    {
      stdio: 'ignore',
    },
  );
  const privateUrl = `redis://127.0.0.1:${port}`;
  if (!(await waitForRedis(privateUrl, 10_000))) {
    child.kill();
    throw new Error(`Started a private redis-server in ${dir} but it did not answer; see ${dir}/redis.log.`);
  }
  return { url: privateUrl, child };
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}
