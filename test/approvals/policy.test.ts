import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { parseYamlText } from '../../src/core/config/yaml-file.js';
import { approvalsFileSchema, checkEligibility, resolvePolicy } from '../../src/domain/approvals/policy.js';
import { toPlainText } from '../../src/core/outbound.js';

const FILE = `
policies:
  hotfix:
    approvers: { users: [U0ERIN] }
    timeout: 500ms
environments:
  production:
    approvers: { roles: [approver], groups: [S0APPROVERS] }
    required: 2
    timeout: 30m
    remindBefore: [10m, 1m, 45m]
    channel: C0APPROVALS
    pipelines:
      checkout-deploy: { required: 1, rejectEndsRun: false }
`;

const file = parseYamlText('approvals.yml', FILE, approvalsFileSchema);
const groups = async (g: string) => (g === 'S0APPROVERS' ? ['U0CAROL', 'U0DAVE'] : []);
const actor = (userId: string, ...roles: string[]) => ({ userId, roles: new Set(roles) });

describe('approval policy', () => {
  it('resolves the environment policy with defaults and drops reminders at or past the timeout', () => {
    const p = resolvePolicy(file, { env: 'production', pipeline: 'payments-deploy' });
    expect(p).toMatchObject({ name: 'production', required: 2, rejectEndsRun: true, timeoutMs: 30 * 60_000, channel: 'C0APPROVALS' });
    expect(p?.remindBeforeMs).toEqual([10 * 60_000, 60_000]);
  });

  it('refines by pipeline and keeps what the pipeline does not change', () => {
    const p = resolvePolicy(file, { env: 'production', pipeline: 'checkout-deploy' });
    expect(p).toMatchObject({ name: 'production/checkout-deploy', required: 1, rejectEndsRun: false, channel: 'C0APPROVALS' });
    expect(p?.approvers.groups).toEqual(['S0APPROVERS']);
  });

  it('uses a named policy when the stage names one, and none for an unknown environment', () => {
    expect(resolvePolicy(file, { env: 'staging', pipeline: 'x', named: 'hotfix' })).toMatchObject({
      name: 'hotfix',
      required: 1,
      timeoutMs: 500,
    });
    expect(resolvePolicy(file, { env: 'staging', pipeline: 'x' })).toBeNull();
    expect(resolvePolicy(file, { env: 'production', pipeline: 'x', named: 'nope' })).toBeNull();
  });

  it('rejects a bad file naming the path and what is wrong', () => {
    const bad = () =>
      parseYamlText(
        'approvals.yml',
        'environments:\n  production:\n    approvers: {}\n    required: 0\n    timeout: soon\n',
        approvalsFileSchema,
      );
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/environments\.production\.approvers: name at least one role/);
    expect(bad).toThrow(/environments\.production\.required/);
    expect(bad).toThrow(/`soon` is not a duration/);
  });

  it('refuses the requester first, then anyone outside the roles, groups and users', async () => {
    const p = resolvePolicy(file, { env: 'production', pipeline: 'x' })!;
    expect(await checkEligibility(p, actor('U0CAROL'), 'U0CAROL', groups)).toMatchObject({ ok: false, rule: 'requester-cannot-approve' });
    expect(await checkEligibility(p, actor('U0CAROL'), 'U0BOB', groups)).toEqual({ ok: true, via: 'group S0APPROVERS' });
    expect(await checkEligibility(p, actor('U0ZED', 'approver'), 'U0BOB', groups)).toEqual({ ok: true, via: 'role approver' });
    expect(await checkEligibility(p, actor('U0ALICE', 'admin'), 'U0BOB', groups)).toEqual({ ok: true, via: 'role approver' });
    const refused = await checkEligibility(p, actor('U0GRACE'), 'U0BOB', groups);
    expect(refused).toMatchObject({ ok: false, rule: 'not-an-approver' });
    expect(toPlainText(refused.ok ? '' : refused.message)).toContain('role `approver`, group <!subteam^S0APPROVERS>');
  });

  it('lets an eligible requester reject (withdraw) but never approve', async () => {
    const p = resolvePolicy(file, { env: 'production', pipeline: 'x' })!;
    expect(await checkEligibility(p, actor('U0DAVE'), 'U0DAVE', groups, 'reject')).toMatchObject({ ok: true });
  });
});

describe('the shipped config/approvals.yml', () => {
  it('is valid and gives production two approvals from the approver role', async () => {
    const { loadYamlFile } = await import('../../src/core/config/yaml-file.js');
    const shipped = loadYamlFile('config/approvals.yml', approvalsFileSchema);
    expect(resolvePolicy(shipped, { env: 'production', pipeline: 'any' })).toMatchObject({
      required: 2,
      channel: 'C0APPROVALS',
      approvers: { roles: ['approver'] },
    });
    expect(shipped.freezes.map((f) => f.name)).toEqual(['year-end', 'friday-afternoon']);
  });
});

describe('approval stage settings', () => {
  it('accepts known policy names and placeholders, refuses unknown names and links that could forge mrkdwn', async () => {
    const { approvalStageSettings } = await import('../../src/app/modules/approvals.js');
    const s = approvalStageSettings(['hotfix']);
    expect(s.safeParse({ policy: 'hotfix', link: 'https://git.example.com/compare/a...b' }).success).toBe(true);
    expect(s.safeParse({ policy: '${{ params.policy }}' }).success).toBe(true);
    expect(s.safeParse({}).success).toBe(true);
    const unknown = s.safeParse({ policy: 'yolo' });
    expect(unknown.success ? '' : unknown.error.issues[0]?.message).toBe('unknown approval policy (approvals.yml names: hotfix)');
    expect(s.safeParse({ link: 'https://x|click here' }).success).toBe(false);
    expect(s.safeParse({ link: 'javascript:alert(1)' }).success).toBe(false);
    expect(s.safeParse({ extra: 1 }).success).toBe(false);
  });
});
