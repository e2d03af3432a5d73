import { describe, expect, it } from 'vitest';
import type { IncidentSummary, RunInfo } from '../../src/domain/contracts.js';
import { detectDrift, lastDeployed } from '../../src/domain/inspect/drift.js';
import { checkLeaks, flattenSettings } from '../../src/domain/inspect/leaks.js';
import { evaluatePolicy, policyFileSchema } from '../../src/domain/inspect/policy.js';
import { toPlainText } from '../../src/core/outbound.js';

function run(over: Partial<RunInfo> = {}): RunInfo {
  return {
    id: 'r1',
    pipeline: 'checkout-deploy',
    service: 'checkout',
    teamChannel: 'C0CHECKOUT',
    env: 'production',
    ref: 'main',
    params: {},
    triggeredBy: 'U0BOB',
    channel: 'C0DEPLOYS',
    status: 'running',
    createdAt: 1000,
    messageKey: 'run-r1',
    stages: [
      { id: 'test', kind: 'shell', status: 'succeeded' },
      { id: 'approve', kind: 'approval', status: 'succeeded', details: { approvers: ['U0CAROL'] } },
      { id: 'inspect', kind: 'inspect', status: 'running' },
    ],
    ...over,
  };
}

const policy = policyFileSchema.parse({
  rules: [
    {
      id: 'prod-from-tags',
      type: 'ref-pattern',
      envs: ['production'],
      pattern: '^v\\d+\\.\\d+\\.\\d+$',
      severity: 'critical',
      fix: 'tag a release',
    },
    { id: 'tests-passed', type: 'required-stages', stages: ['test'] },
    { id: 'approved', type: 'approvals', envs: ['production'] },
    { id: 'no-open-sev', type: 'no-open-incidents' },
    { id: 'no-freeze', type: 'change-freeze', verdict: 'warn', severity: 'medium' },
  ],
});

describe('policy rules', () => {
  it('fails a production run from a branch and passes one from a tag', async () => {
    const branch = await evaluatePolicy('policy', policy, { run: run({ ref: 'main' }), stageId: 'inspect', now: 0 });
    expect(branch.verdict).toBe('fail');
    expect(branch.findings).toEqual([
      expect.objectContaining({
        id: 'prod-from-tags',
        severity: 'critical',
        title: expect.stringContaining('ref `main` does not match'),
        fix: 'tag a release',
      }),
    ]);
    const tag = await evaluatePolicy('policy', policy, { run: run({ ref: 'refs/tags/v1.5.0' }), stageId: 'inspect', now: 0 });
    expect(tag.verdict).toBe('pass');
    expect(tag.findings).toEqual([]);
    expect(tag.notes.map(toPlainText)).toContain('approvals applied: approve by <@U0CAROL>');
    // The tag rule guards production only.
    const staging = await evaluatePolicy('policy', policy, { run: run({ env: 'staging', ref: 'feature/x' }), stageId: 'inspect', now: 0 });
    expect(staging.verdict).toBe('pass');
  });

  it('names required stages that did not pass and a missing approval', async () => {
    const r = run({
      ref: 'v1.0.0',
      stages: [
        { id: 'test', kind: 'shell', status: 'failed' },
        { id: 'approve', kind: 'approval', status: 'cancelled' },
        { id: 'inspect', kind: 'inspect', status: 'running' },
      ],
    });
    const result = await evaluatePolicy('policy', policy, { run: r, stageId: 'inspect', now: 0 });
    expect(result.findings.map((f) => [f.id, f.title])).toEqual([
      ['tests-passed', 'required stage `test` is failed, not succeeded'],
      ['approved', 'no approval stage has passed (approve: cancelled)'],
    ]);
  });

  it('fails on an open SEV1 for the service (not a SEV3, not the incident the run fixes) and warns on a freeze', async () => {
    const incidents: IncidentSummary[] = [
      { id: 'INC-7', title: 'checkout 500s', severity: 'SEV1', status: 'investigating', services: ['checkout'], declaredAt: 0 },
      { id: 'INC-8', title: 'slow images', severity: 'SEV3', status: 'investigating', services: ['checkout'], declaredAt: 0 },
    ];
    const queries = {
      openIncidents: async () => incidents,
      get: async () => null,
      declaredSince: async () => incidents,
      addTimelineEntry: async () => {},
    };
    const freezes = { activeFreeze: async () => ({ name: 'black-friday' }) };
    const r = await evaluatePolicy('policy', policy, {
      run: run({ ref: 'v1.0.0' }),
      stageId: 'inspect',
      now: 0,
      incidents: queries,
      freezes,
    });
    expect(r.findings.map((f) => f.id)).toEqual(['no-open-sev', 'no-freeze']);
    expect(r.findings[0]!.title).toContain('open SEV1 INC-7');
    expect(r.verdict).toBe('fail');
    const fix = await evaluatePolicy('policy', policy, {
      run: run({ ref: 'v1.0.0', fixIncident: 'INC-7' }),
      stageId: 'inspect',
      now: 0,
      incidents: queries,
      freezes,
    });
    expect(fix.verdict).toBe('warn');
    const without = await evaluatePolicy('policy', policy, { run: run({ ref: 'v1.0.0' }), stageId: 'inspect', now: 0 });
    expect(without.notes).toEqual(expect.arrayContaining([expect.stringContaining('no-open-sev: skipped')]));
  });

  it('rejects a policy file with an unknown rule type or a bad pattern', () => {
    expect(policyFileSchema.safeParse({ rules: [{ id: 'x', type: 'magic' }] }).success).toBe(false);
    expect(policyFileSchema.safeParse({ rules: [{ id: 'x', type: 'ref-pattern', pattern: '([' }] }).success).toBe(false);
  });
});

describe('secret-leak check', () => {
  const AWS_ID = 'AKIA' + 'QX7RT2MZ4KLP9WNB';
  const SLACK = 'xoxb-' + '2048123456-7712345678901-Zk3vQ9mTn2LpX8rWb4Yc';
  const PEM = '-----BEGIN RSA ' + 'PRIVATE KEY-----';
  const RANDOM = 'q8Zr2Lw9Xv4Nk7Tb1Hy6Md3P';

  it('reports the place and the kind of secret, never the secret', () => {
    const result = checkLeaks('secrets', {
      logs: [
        {
          location: 'stage build log',
          lines: [
            'npm ci',
            `export AWS_ACCESS_KEY_ID=${AWS_ID}`,
            'ok',
            `curl -H "Authorization: Bearer ${SLACK}"`,
            PEM,
            `DB_PASSWORD=${RANDOM}`,
            'password=changeme-please',
            'token=${{ inject.api_token }}',
          ],
        },
      ],
      settings: flattenSettings({ deploy: { with: { env: { API_TOKEN: RANDOM, REGION: 'eu-west-1' } } } }, 'stages'),
    });
    expect(result.findings.map((f) => [f.id, f.location])).toEqual([
      ['aws-access-key-id', 'stage build log line 2'],
      ['slack-token', 'stage build log line 4'],
      ['private-key', 'stage build log line 5'],
      ['generic-secret', 'stage build log line 6'],
      ['generic-secret', 'settings stages.deploy.with.env.API_TOKEN'],
    ]);
    const text = JSON.stringify(result);
    for (const secret of [AWS_ID, SLACK, RANDOM]) expect(text).not.toContain(secret);
  });

  it('names the variable a secret was assigned to only when the name cannot be part of the secret', () => {
    const glued = `Xq7Lw2Np9Rv4PWDk8Zt3Mh6Bf1Jc5Ys=${RANDOM}`; // a token containing `pwd`, then `=`: all of it reads as name=value
    const result = checkLeaks('secrets', {
      logs: [{ location: 'stage deploy log', lines: [`DB_PASSWORD=${RANDOM}`, `curl -d ${glued}`] }],
      settings: [],
    });
    expect(result.findings.map((f) => f.title)).toEqual([
      'high-entropy value assigned to `DB_PASSWORD` in stage deploy log line 1',
      'high-entropy value assigned to a secret-looking name in stage deploy log line 2',
    ]);
    expect(JSON.stringify(result)).not.toContain('Xq7Lw2Np9Rv4PWDk8Zt3Mh6Bf1Jc5Ys');
  });

  it('passes clean logs and settings', () => {
    const result = checkLeaks('secrets', {
      logs: [{ location: 'stage test log', lines: ['All 312 tests passed', 'token=***'] }],
      settings: [{ path: 'with.image', value: 'registry.example.com/checkout:1.5.0' }],
    });
    expect(result.findings).toEqual([]);
  });
});

describe('drift', () => {
  const runs = [
    run({ id: 'old', ref: 'v1.3.0', status: 'succeeded', finishedAt: 10 }),
    run({ id: 'new', ref: 'v1.5.0', status: 'succeeded', finishedAt: 20 }),
    run({ id: 'bad', ref: 'v1.6.0', status: 'failed', finishedAt: 30 }),
    run({ id: 'pay', service: 'payments', ref: 'refs/tags/v2.0.0', status: 'succeeded', finishedAt: 15 }),
    run({ id: 'stg', service: 'search', env: 'staging', ref: 'v9', status: 'succeeded', finishedAt: 15 }),
  ];

  it('compares the newest successful deploy per service with what runs', () => {
    const deployed = lastDeployed(runs, 'production');
    expect([...deployed.values()].map((d) => [d.service, d.ref, d.runId])).toEqual([
      ['checkout', 'v1.5.0', 'new'],
      ['payments', 'refs/tags/v2.0.0', 'pay'],
    ]);
    const findings = detectDrift(
      deployed,
      [
        { service: 'checkout', version: '1.4.0' },
        { service: 'payments', version: '2.0.0' },
        { service: 'legacy', version: '0.9' },
      ],
      { env: 'production' },
    ).map((x) => x.finding);
    expect(findings.map((f) => [f.id, f.location])).toEqual([
      ['drift.version-mismatch', 'checkout in production'],
      ['drift.unmanaged', 'legacy in production'],
    ]);
    expect(findings[0]!.title).toBe('checkout runs 1.4.0 in production, but Switchyard last deployed v1.5.0 (run new)');
  });

  it('reports a deployed service that is not running, and nothing once all agree', () => {
    const deployed = lastDeployed(runs, 'production');
    expect(detectDrift(deployed, [{ service: 'checkout', version: 'v1.5.0' }], { env: 'production' }).map((f) => f.finding.id)).toEqual([
      'drift.missing',
    ]);
    expect(
      detectDrift(
        deployed,
        [
          { service: 'checkout', version: 'v1.5.0' },
          { service: 'payments', version: 'v2.0.0' },
        ],
        { env: 'production' },
      ),
    ).toEqual([]);
    expect(
      detectDrift(deployed, [{ service: 'checkout', version: '1.4.0' }], { env: 'production', service: 'payments' }).map((f) => [
        f.service,
        f.finding.id,
      ]),
    ).toEqual([['payments', 'drift.missing']]);
  });
});
