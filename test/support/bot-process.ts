import { createSwitchyard } from '../../src/app/app.js';
import { loadSettings } from '../../src/config/settings.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { companionsModule, testPipelines } from '../pipelines/support.js';
import { BOT } from './harness.js';

/**
 * A Switchyard bot in a process of its own, joined to a test harness (same Redis prefix, same
 * local Slack): what a test kills with SIGKILL to play a worker that dies mid-stage. Wiring comes
 * in SWITCHYARD_TEST_WIRING (JSON); it prints `port <n>` once it serves.
 */
const w = JSON.parse(process.env.SWITCHYARD_TEST_WIRING ?? '{}') as {
  prefix: string;
  token: string;
  signingSecret: string;
  apiUrl: string;
  redisUrl: string;
  workflowsDir: string;
};
const settings = loadSettings({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TMPDIR: process.env.TMPDIR,
  REDIS_URL: w.redisUrl,
  REDIS_PREFIX: w.prefix,
  PORT: '0',
  HOST: '127.0.0.1',
  SLACK_CHANNEL_INTERVAL_MS: '0',
  SLACK_RATE_LIMITER: 'off',
  LOG_LEVEL: 'silent',
});
const app = await createSwitchyard({
  settings,
  role: 'all',
  slack: { token: w.token, signingSecret: w.signingSecret, apiUrl: w.apiUrl, ...BOT },
  modules: [testPipelines({ workflowsDir: w.workflowsDir }), companionsModule],
  log: silentLogger,
});
await app.start();
process.stdout.write(`port ${app.port()}\n`);
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
