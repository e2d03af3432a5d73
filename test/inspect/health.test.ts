import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInspectModule } from '../../src/app/wire-inspect.js';
import { makePipelinesModule } from '../../src/app/wire-pipelines.js';
import type { Logger } from '../../src/core/ports/runtime.js';
import { startHarness, type Harness } from '../support/harness.js';
import { inspectFixture } from './support.js';
import { waitFor } from '../support/redis.js';

// Issue #12 §6 and §7: a scheduled inspection that cannot run says so in its channel once (not
// once per run, not again after a restart or from another worker) and once more when it recovers;
// the shipped configuration starts without an inventory failure.
describe('a landing-zone inspection that cannot run', () => {
  let h: Harness;
  const fx = inspectFixture({ countingInventory: true, landingZone: '  staging:\n    every: 150\n    inspectors: [drift]' });
  const down = () => h.slack.messages('C0NOC').filter((m) => m.text.includes('Inspection cannot run'));
  const up = () => h.slack.messages('C0NOC').filter((m) => m.text.includes('Inspection recovered'));
  /** Waits for `n` more scheduled runs of the inventory command and for every post to be delivered. */
  const moreRuns = async (n: number) => {
    const target = fx.inventoryRuns('staging') + n;
    await waitFor(async () => fx.inventoryRuns('staging') >= target || undefined, 15_000);
    await waitFor(async () => (await h.app.ctx.jobs.depth('slack.deliver')) === 0 || undefined);
  };

  beforeAll(async () => {
    h = await startHarness({
      name: 'inspect-health',
      modules: [makePipelinesModule({ workflowsDir: 'test/inspect/workflows' }), makeInspectModule({ configFile: fx.configFile })],
    });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(fx.dir, { recursive: true, force: true });
  });

  it('tells the channel once while the inventory command fails, across runs and a restart, and once when it recovers', async () => {
    // No inventory file: `cat` fails on every scheduled run.
    const notice = await h.slack.waitFor(() => down()[0], { timeoutMs: 10_000 });
    expect(notice.text).toContain('the inventory of staging');
    expect(notice.text).toContain('I will say here when it recovers');
    await moreRuns(3);
    expect(down()).toHaveLength(1);

    await h.restart();
    await moreRuns(2);
    expect(down()).toHaveLength(1);

    fx.setInventory('staging', []);
    const recovered = await h.slack.waitFor(() => up()[0], { timeoutMs: 10_000 });
    expect(recovered.text).toContain('the inventory of staging');
    await h.slack.waitFor(() => h.slack.message('C0NOC', notice.ts)?.text.includes('Recovered after'));
    await moreRuns(3);
    expect(up()).toHaveLength(1);
    expect(down()).toHaveLength(1);

    // A new outage is a new notice.
    fx.breakInventory('staging');
    await h.slack.waitFor(() => (down().length === 2 ? true : undefined), { timeoutMs: 10_000 });
    await moreRuns(2);
    expect(down()).toHaveLength(2);
  });

  it('tells the service channel when its scanner cannot run, once', async () => {
    fx.setInventory('production', [{ service: 'checkout', version: '9.9.9' }]);
    // No report for checkout 9.9.9: the scanner (`cp`) writes none.
    for (let i = 0; i < 3; i++) {
      const before = h.slack.ephemerals('U0BOB').length;
      await h.command('U0BOB', 'C0GENERAL', '/inspect run running-trivy --env production --service checkout');
      const summary = await h.slack.waitFor(() =>
        h.slack
          .ephemerals('U0BOB')
          .slice(before)
          .find((e) => e.text.includes('running-trivy in production')),
      );
      expect(summary.text).toContain('not covered: checkout 9.9.9');
    }
    await waitFor(async () => (await h.app.ctx.jobs.depth('slack.deliver')) === 0 || undefined);
    const notices = down().filter((m) => m.text.includes('running-trivy scan of checkout 9.9.9 in production'));
    expect(notices).toHaveLength(1);
  });
});

describe('the shipped inspectors.yml', () => {
  it('starts and inspects with the example inventory script: no inventory warning, nothing said in a channel', async () => {
    const warnings: string[] = [];
    const log: Logger = {
      debug() {},
      info() {},
      warn: (obj, msg) => void warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
      error: (obj, msg) => void warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
      child: () => log,
    };
    const h = await startHarness({
      name: 'inspect-default-config',
      log,
      modules: [makePipelinesModule({ workflowsDir: 'test/inspect/workflows' }), makeInspectModule()],
    });
    try {
      for (const env of ['production', 'staging']) {
        const summary = await inspectDrift(h, env);
        expect(summary.text).toContain('0 new, 0 back, 0 still open, 0 fixed');
      }
      await waitFor(async () => (await h.app.ctx.jobs.depth('slack.deliver')) === 0 || undefined);
      expect(warnings.filter((w) => /inventory|cannot run/i.test(w))).toEqual([]);
      expect(h.slack.messages('C0NOC').filter((m) => m.text.includes('Inspection cannot run'))).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

/**
 * `/inspect run drift` in one environment. The shipped config also inspects on a schedule: when a
 * scheduled inspection of the same environment holds its lock, the manual one is skipped, so wait
 * until that lock is released (observable in Redis) and ask again.
 */
async function inspectDrift(h: Harness, env: string): Promise<{ text: string }> {
  const lock = h.app.ctx.store.key('inspect', 'lz-lock', env, 'drift');
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = h.slack.ephemerals('U0BOB').length;
    await h.command('U0BOB', 'C0GENERAL', `/inspect run drift --env ${env}`);
    const answer = await h.slack.waitFor(
      () =>
        h.slack
          .ephemerals('U0BOB')
          .slice(before)
          .find((e) => e.text.includes(`drift in ${env}`) || e.text.includes(`of ${env} is already running`)),
      { timeoutMs: 20_000, message: `no inspection summary for ${env}` },
    );
    if (answer.text.includes(`drift in ${env}`)) return answer;
    await waitFor(async () => !(await h.app.ctx.store.exists(lock)) || undefined, 30_000);
  }
  throw new Error(`the drift inspection of ${env} was skipped five times`);
}
