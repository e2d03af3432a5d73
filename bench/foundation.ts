import { randomBytes } from 'node:crypto';
import { App, HTTPReceiver } from '@slack/bolt';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MODULES } from '../src/app/modules.js';
import { loadWorkspaceSeed, startLocalSlack, type LocalSlack } from '../src/local-slack/index.js';
import { startHarness } from '../test/support/harness.js';
import { percentile, steadyLoad } from './load.js';
import type { Bench } from './types.js';

/**
 * Ack latency of `/switchyard help` under a steady load, as Slack sees it (signed request sent to
 * HTTP response received), next to a bare Bolt app that only acks, in the same run.
 */
const RATE_PER_S = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

async function measure(slack: LocalSlack): Promise<number[]> {
  // Warm up both apps alike (JIT, connections) so the first cold requests do not skew p99.
  await steadyLoad(
    50,
    1,
    async () => (await slack.slashCommand({ user: 'U0BOB', channel: 'C0GENERAL', command: '/switchyard', text: 'help' })).elapsedMs,
  );
  return steadyLoad(RATE_PER_S, SECONDS, async () => {
    const started = performance.now();
    const res = await slack.slashCommand({ user: 'U0BOB', channel: 'C0GENERAL', command: '/switchyard', text: 'help' });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    return performance.now() - started;
  });
}

async function bareBolt(): Promise<{ slack: LocalSlack; close(): Promise<void> }> {
  const signingSecret = randomBytes(16).toString('hex');
  const token = `xoxb-bench-${randomBytes(4).toString('hex')}`;
  const bot = { botUserId: 'U0SWITCHYARD', botId: 'B0SWITCHYARD' };
  const slack = await startLocalSlack({ seed: loadWorkspaceSeed('config/workspace.yml'), signingSecret, botToken: token, ...bot });
  const receiver = new HTTPReceiver({ signingSecret, endpoints: '/slack/events' });
  const app = new App({ token, receiver, ...bot, clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } } });
  app.command(/.*/, async ({ ack }) => {
    await ack();
  });
  const server = createServer(receiver.requestListener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  slack.setBotUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
  return {
    slack,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await slack.close();
    },
  };
}

export const bench: Bench = async () => {
  const bare = await bareBolt();
  const bareLatencies = await measure(bare.slack);
  await bare.close();
  const h = await startHarness({ name: 'bench-ack', modules: MODULES });
  const ours = await measure(h.slack);
  await h.close();
  const p = (xs: number[], q: number) => percentile(xs, q);
  return [
    {
      name: `ack p50 /switchyard help (${RATE_PER_S}/s for ${SECONDS}s)`,
      value: p(ours, 50),
      unit: 'ms',
      baseline: { name: 'bare Bolt ack', value: p(bareLatencies, 50) },
    },
    {
      name: `ack p99 /switchyard help (${RATE_PER_S}/s for ${SECONDS}s)`,
      value: p(ours, 99),
      unit: 'ms',
      baseline: { name: 'bare Bolt ack', value: p(bareLatencies, 99) },
    },
  ];
};
