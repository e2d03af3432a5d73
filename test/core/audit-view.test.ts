import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_REJECT } from '../../commands/approvals/actions.js';
import { VIEW_REJECT } from '../../commands/approvals/views.js';
import { startHarness, type Harness } from '../support/harness.js';
import { approvalModules, openModalBy, startRun, waitCopies, waitRunStatus } from '../approvals/support.js';

// An auditor reads what each entry did, not only who pressed what: the run (pipeline,
// environment, run id), the approval (gate, decision, reason), the freeze override (freeze name,
// reason) and the rule behind a refusal. Production is frozen every day in frozen.yml.
describe('/switchyard audit shows what each entry did', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'audit-view', modules: approvalModules('test/approvals/config/frozen.yml') });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('names the run, the gate decision with its reason, the freeze override and the refusing rule', async () => {
    const id = await startRun(
      h,
      'U0ALICE',
      '/pipeline run gated-release --env production --override "Hotfix for INC-42: checkout is down"',
    );
    const c = await waitCopies(h, id, ['U0CAROL', 'U0DAVE'], /^Approval needed/);
    const viewId = await openModalBy(h, 'U0CAROL', c.channel!, ACTION_REJECT, VIEW_REJECT);
    await h.slack.submitView({ user: 'U0CAROL', viewId, values: { reason: { reason: 'Not during the sale <!channel>' } } });
    await waitRunStatus(h, id, 'failed');
    await h.command('U0GRACE', 'C0GENERAL', '/switchyard audit');

    const answer = await h.command('U0FRANK', 'C0GENERAL', '/switchyard audit --since 1h --limit 50');
    const text = answer.text;
    const rawAudit = answer.reply?.text ?? '';
    const line = (pattern: RegExp) => text.split('\n').find((l) => pattern.test(l)) ?? '';
    const run = line(/<@U0ALICE> \/pipeline run → \*ok\*/);
    expect(run).toContain(`\`${id}\``);
    expect(run).toContain('gated-release to production, ref');
    const reject = line(/<@U0CAROL> approval\.reject → \*ok\*/);
    expect(reject).toContain(`gate ${id}-approve`);
    expect(reject).toContain('gated-release to production');
    expect(reject).toContain('Not during the sale <!channel>'); // the reason, as text: the wire form is escaped (below)
    expect(rawAudit).toContain('Not during the sale &lt;!channel&gt;');
    const override = line(/<@U0ALICE> freeze\.override → \*ok\*/);
    expect(override).toContain('freeze test-freeze');
    expect(override).toContain('reason: Hotfix for INC-42: checkout is down');
    expect(line(/<@U0GRACE> \/switchyard audit → \*refused\*/)).toContain('rule `role:auditor`');
  });
});
