/**
 * Audit entries of requests refused while Redis is away wait in the process's memory and are
 * appended, in order, once the connection is ready; past the memory bound the oldest are dropped
 * and one `audit.dropped` entry says how many. A real redis-server is started on a port the store
 * has been failing to reach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/adapters/redis/connection.js';
import { RedisStore } from '../../src/adapters/redis/store.js';
import { AuditLog } from '../../src/core/audit.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { freePort, until } from '../adapters/redis-processes.js';

describe('audit entries kept while storage is unavailable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-audit-pending-'));
  let server: ChildProcess | undefined;
  let redis: ReturnType<typeof createRedis> | undefined;

  afterAll(async () => {
    redis?.disconnect();
    if (server?.pid !== undefined && server.exitCode === null) {
      await new Promise<void>((resolve) => {
        server!.once('exit', () => resolve());
        process.kill(server!.pid!, 'SIGKILL');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends them in order when Redis comes up, dropping the oldest beyond the bound and saying how many', async () => {
    const port = await freePort();
    redis = createRedis(`redis://127.0.0.1:${port}`, { name: 'audit-pending', log: silentLogger });
    const store = new RedisStore(redis, '{t-audit-pending}');
    const audit = new AuditLog(store);
    // Nothing listens yet: the client fails its first attempt and keeps trying.
    await until(async () => store.health().unavailableWithin(60_000) && !store.health().available(), 'the connection failing');
    for (let i = 0; i < 1005; i++) {
      await audit.record({ actor: 'U0GRACE', action: '/pipeline status', outcome: 'error', detail: `n${i}` }, { whenStoreIsBack: true });
    }

    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const all = await until(
      async () => {
        const entries = await audit.query({ oldestFirst: true, limit: 2000 });
        return entries.length === 1001 ? entries : undefined;
      },
      'the kept entries appended',
      15_000,
    );
    expect(all[0]).toMatchObject({ actor: 'switchyard', action: 'audit.dropped' });
    expect(all[0]!.detail).toContain('5 audit entries were dropped');
    expect(all.slice(1).map((e) => e.detail)).toEqual(Array.from({ length: 1000 }, (_, i) => `n${i + 5}`));
  }, 30_000);
});
