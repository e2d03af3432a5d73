import { createSwitchyard, type Role } from '../../src/app/app.js';
import { loadSettings } from '../../src/config/settings.js';
import { silentLogger, type Logger } from '../../src/core/ports/runtime.js';
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
  /** 'all' when not given; a rolling-restart test runs workers alone. */
  role?: Role;
  /** The pipelines' stage lease (testPipelines' short default when not given). */
  leaseMs?: number;
  /** Print log messages as `log <level> <msg>` lines, for the test to wait on what the bot decides (draining). */
  logToStdout?: boolean;
};

function stdoutLogger(): Logger {
  const line =
    (level: string) =>
    (_fields: object, msg = '') =>
      void process.stdout.write(`log ${level} ${msg}\n`);
  return { debug: () => undefined, info: line('info'), warn: line('warn'), error: line('error'), child: () => stdoutLogger() };
}
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
  role: w.role ?? 'all',
  slack: { token: w.token, signingSecret: w.signingSecret, apiUrl: w.apiUrl, ...BOT },
  modules: [testPipelines({ workflowsDir: w.workflowsDir, ...(w.leaseMs ? { leaseMs: w.leaseMs } : {}) }), companionsModule],
  log: w.logToStdout ? stdoutLogger() : silentLogger,
});
await app.start();
process.stdout.write(`port ${app.port()}\n`);
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
