import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { cleanupPrefix, REDIS_URL } from '../support/redis.js';

/**
 * `tsx src/main.ts` as an operator runs it: a real process, its exit code and what it prints, and
 * the processes it leaves behind.
 */
function runMain(
  role: string,
  env: Record<string, string>,
  timeoutMs = 25_000,
): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', role], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main did not exit in time; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, pid: child.pid! });
    });
  });
}

/** Pids of live redis-server processes working in `dir`/redis (redis-server rewrites its title, so by cwd). */
function redisServersIn(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (
        comm.startsWith('redis-server') &&
        state !== 'Z' &&
        readlinkSync(`/proc/${name}/cwd`).replace(/ \(deleted\)$/, '') === join(dir, 'redis')
      )
        out.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

describe('main: a failed start leaves nothing running', () => {
  const dirs: string[] = [];
  const servers: Server[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) {
      for (const pid of redisServersIn(d)) process.kill(pid, 'SIGKILL');
      rmSync(d, { recursive: true, force: true });
    }
    for (const s of servers.splice(0)) s.close();
  });

  it('stops the private redis-server it launched when the HTTP port is taken', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-main-'));
    dirs.push(dataDir);
    const busy = await listen(); // the port the bot wants
    servers.push(busy.server);
    const dead = await listen(); // a port where no Redis answers: main launches its own
    servers.push(dead.server);
    dead.server.close();
    const res = await runMain('all', { REDIS_URL: `redis://127.0.0.1:${dead.port}`, DATA_DIR: dataDir, PORT: String(busy.port) });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/Start-up failed: .*EADDRINUSE/);
    // It did launch one (its log file is there) and it is gone.
    expect(readdirSync(join(dataDir, 'redis'))).toContain('redis.log');
    expect(redisServersIn(dataDir)).toEqual([]);
  });

  it('stops it too when a config file is broken', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-main-'));
    dirs.push(dataDir);
    const configDir = join(dataDir, 'config');
    cpSync('config', configDir, { recursive: true });
    writeFileSync(join(configDir, 'access.yml'), 'roles: [this is: not: valid\n');
    const dead = await listen();
    dead.server.close();
    const res = await runMain('all', { REDIS_URL: `redis://127.0.0.1:${dead.port}`, DATA_DIR: dataDir, CONFIG_DIR: configDir, PORT: '0' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('access.yml');
    expect(readdirSync(join(dataDir, 'redis'))).toContain('redis.log');
    expect(redisServersIn(dataDir)).toEqual([]);
  });

  it('a worker says what it serves, and not that it listens for Slack', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'worker'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        LOG_LEVEL: 'silent',
        REDIS_URL,
        REDIS_PREFIX: `t-main-worker-${process.pid}`,
        PORT: '0',
        HOST: '127.0.0.1',
        SLACK_BOT_TOKEN: 'xoxb-worker-test',
        SLACK_SIGNING_SECRET: 'worker-signing-secret',
        SLACK_BOT_ID: 'B0SWITCHYARD',
        SLACK_BOT_USER_ID: 'U0SWITCHYARD',
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const line = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no start line: ${stdout}`)), 25_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('\n')) {
          clearTimeout(t);
          resolve(stdout.split('\n')[0]!);
        }
      });
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const redis = new Redis(REDIS_URL);
    await cleanupPrefix(redis, `{t-main-worker-${process.pid}}`);
    await redis.quit();
    expect(line).not.toContain('/slack/events');
    expect(line).toMatch(
      /^Switchyard \(worker\) running job workers .*GET \/healthz, \/readyz and \/metrics on :\d+; no Slack traffic here\.$/,
    );
  });
});
