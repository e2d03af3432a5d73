import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../adapters/redis-processes.js';
import { cleanupPrefix, REDIS_URL, waitFor } from '../support/redis.js';

/**
 * Production runs plain JavaScript: `npm run build` compiles to dist/ and `node dist/main.js all`
 * serves (here, with no Slack credentials, the local workspace). Built into a temporary folder under
 * the git-ignored .switchyard/ (inside the project, so the build finds node_modules as dist/ does).
 */
mkdirSync('.switchyard', { recursive: true });
const out = mkdtempSync(join('.switchyard', 'build-test-'));
const prefix = `t-build-${randomBytes(4).toString('hex')}`;

describe('the built artefact', () => {
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    const redis = new Redis(REDIS_URL);
    await cleanupPrefix(redis, `{${prefix}}`);
    await redis.quit();
  });

  it('compiles with tsc and serves from node dist/main.js all', { timeout: 120_000 }, async () => {
    await promisify(execFile)(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(out, 'dist'),
    ]);
    const port = await freePort();
    const bot = spawn(process.execPath, [join(out, 'dist', 'main.js'), 'all'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        REDIS_URL,
        REDIS_PREFIX: prefix,
        PORT: String(port),
        DATA_DIR: join(out, 'data'),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    bot.stdout.on('data', (b: Buffer) => (output += b.toString()));
    bot.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((resolve) => bot.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => output.includes('running against a local Slack workspace') || bot.exitCode !== null, 60_000, 'the start-up line');
      expect(output).toContain('running against a local Slack workspace');
      const health = await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok, 10_000, '/healthz');
      expect(health).toBe(true);
      bot.stdin.write('/quit\n');
      expect(await exited).toBe(0);
    } finally {
      bot.kill('SIGKILL');
    }
  });
});
