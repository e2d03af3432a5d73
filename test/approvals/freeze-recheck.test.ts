import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModuleFactory } from '../../src/core/module.js';
import type { DeployGuard } from '../../src/domain/contracts.js';
import { ACTION_APPROVE } from '../../commands/approvals/actions.js';
import { DEPLOY_GUARDS, servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import { approvalModules, press, RUN_CHANNEL, runOf, startRun, waitCopies, waitRunStatus, waitStage } from './support.js';

// Production needs 2 approvals (U0CAROL, U0DAVE). A change freeze is declared while the run waits
// at its gate; the freeze here is a guard that refuses while a Redis flag names one.
const freezeFlag: ModuleFactory = (ctx) => {
  const guard: DeployGuard = {
    name: 'change-freeze',
    async check(req) {
      const name = await ctx.store.getJson<string>(ctx.store.key('test', 'freeze', req.env));
      return name
        ? { allowed: false, overridable: true, reason: `Change freeze \`${name}\` is in effect for ${req.env}.` }
        : { allowed: true };
    },
  };
  servicesOf(ctx).add(DEPLOY_GUARDS, guard);
  return { name: 'test-freeze-flag' };
};

describe('a freeze declared while a run waits at its approval gate', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      name: 'approvals-freeze-recheck',
      modules: [...approvalModules('test/approvals/config/approvals.yml'), freezeFlag],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('approving does not deploy: the run stops at the gate, naming the freeze', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run gated-release --env production');
    const c = await waitCopies(h, id, ['U0CAROL', 'U0DAVE'], /^Approval needed/);
    await waitStage(h, id, 'approve', 'waiting');
    await h.app.ctx.store.setJson(h.app.ctx.store.key('test', 'freeze', 'production'), 'year-end');

    expect(await press(h, 'U0CAROL', c.dms.U0CAROL!, ACTION_APPROVE)).toContain('1 of 2');
    expect(await press(h, 'U0DAVE', c.dms.U0DAVE!, ACTION_APPROVE)).toContain('the last approval needed');
    const run = await waitRunStatus(h, id, 'failed');
    const gate = run.stages.find((s) => s.id === 'approve')!;
    expect(gate.status).toBe('failed');
    expect(gate.summary).toContain('but stopped by change-freeze: Change freeze `year-end` is in effect for production.');
    expect(run.stages.find((s) => s.id === 'deploy')?.status).toBe('skipped');
    // The run card and its thread say so.
    const card = await h.slack.waitFor(() =>
      h.slack.messages(RUN_CHANNEL).find((m) => m.text.startsWith(`gated-release ${id} → `) && m.text.includes(': failed')),
    );
    expect(JSON.stringify(card.blocks)).toContain('year-end');
    const thread = await h.slack.waitFor(() =>
      h.slack
        .messages(RUN_CHANNEL, { threadTs: card.ts })
        .find((m) => m.text.includes('Stopped after approve was approved by change-freeze')),
    );
    expect(thread.text).toContain('Change freeze `year-end` is in effect for production.');
    expect(thread.text).toContain('--override');
    expect((await runOf(h, id))?.status).toBe('failed');
    await h.app.ctx.store.del(h.app.ctx.store.key('test', 'freeze', 'production'));
  });

  it("an admin's override given at the start carries the run through the gate and its approval", async () => {
    await h.app.ctx.store.setJson(h.app.ctx.store.key('test', 'freeze', 'production'), 'late-freeze');
    const id = await startRun(h, 'U0ALICE', '/pipeline run gated-release --env production --override "sanctioned hotfix"');
    const c = await waitCopies(h, id, ['U0CAROL', 'U0DAVE'], /^Approval needed/);
    await press(h, 'U0CAROL', c.dms.U0CAROL!, ACTION_APPROVE);
    await press(h, 'U0DAVE', c.dms.U0DAVE!, ACTION_APPROVE);
    const run = await waitRunStatus(h, id, 'succeeded');
    expect(run.stages.find((s) => s.id === 'deploy')?.status).toBe('succeeded');
    const audit = await h.app.ctx.audit.query({ actor: 'U0ALICE', action: 'pipeline.override', limit: 20 });
    expect(
      audit
        .filter((e) => e.detail?.includes(`run ${id}, checked again`))
        .map((e) => e.detail!.replace(/.*checked again: /, ''))
        .sort(),
    ).toEqual(['after approve was approved)', 'before approve started)', 'before deploy started)']);
    await h.app.ctx.store.del(h.app.ctx.store.key('test', 'freeze', 'production'));
  });
});
