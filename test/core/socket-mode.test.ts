import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createSwitchyard, type Switchyard } from '../../src/app/app.js';
import { loadSettings } from '../../src/config/settings.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { cleanupPrefix, REDIS_URL } from '../support/redis.js';

/**
 * Socket Mode with SLACK_API_URL: the receiver's own client asks `apps.connections.open` for a
 * WebSocket URL. A loopback Slack API records the call and refuses it (invalid_auth), which the
 * Socket Mode client treats as unrecoverable, so start-up fails saying so.
 */
interface Seen {
  path: string;
  auth: string;
}

function fakeSlackApi(): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ path: req.url ?? '', auth: String(req.headers.authorization ?? '') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'invalid_auth' }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/`, seen }),
    ),
  );
}

describe('Socket Mode', () => {
  const prefix = `t-socket-mode-${process.pid}`;
  let app: Switchyard | undefined;
  let server: Server | undefined;
  afterAll(async () => {
    await app?.stop();
    server?.close();
    const redis = new Redis(REDIS_URL);
    await cleanupPrefix(redis, `{${prefix}}`);
    await redis.quit();
  });

  it('needs no signing secret, and SLACK_API_URL reaches the receiver that opens the connection', async () => {
    const api = await fakeSlackApi();
    server = api.server;
    const env = {
      REDIS_URL,
      REDIS_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      SLACK_BOT_TOKEN: 'xoxb-socket',
      SLACK_APP_TOKEN: 'xapp-1-socket-test',
      SLACK_API_URL: api.url,
    };
    const settings = loadSettings(env); // accepted without SLACK_SIGNING_SECRET
    expect(settings.SLACK_SIGNING_SECRET).toBeUndefined();
    // Over HTTP the secret is still required.
    expect(() => loadSettings({ ...env, SLACK_APP_TOKEN: undefined })).toThrow(/SLACK_SIGNING_SECRET/);

    app = await createSwitchyard({
      settings,
      role: 'web',
      slack: {
        token: settings.SLACK_BOT_TOKEN!,
        appToken: settings.SLACK_APP_TOKEN!,
        apiUrl: api.url,
        botId: 'B0SWITCHYARD',
        botUserId: 'U0SWITCHYARD',
      },
      modules: [],
      log: silentLogger,
    });
    await expect(app.start()).rejects.toThrow(/invalid_auth/);
    expect(api.seen).toContainEqual({ path: '/api/apps.connections.open', auth: 'Bearer xapp-1-socket-test' });
    // The bot token never went to the connection call, and nothing went to slack.com.
    expect(api.seen.every((s) => !s.auth.includes('xoxb'))).toBe(true);
  });
});
