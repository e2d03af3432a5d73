import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModuleFactory } from '../../src/core/module.js';
import { servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import { approvalModules, gateOf, startRun, waitCopies } from './support.js';

const SECRET = 'pw-0f9e8d7c6b5a';

/** An injection resolver with one secret value. */
const injection: ModuleFactory = (ctx) => {
  servicesOf(ctx).provide('injection', {
    async resolve(_service, _env, keys) {
      return Object.fromEntries(keys.map((k) => [k, { key: k, value: SECRET, secret: true, source: 'test', path: `vaulted/${k}` }]));
    },
  });
  return { name: 'approvals-test-injection' };
};

describe('an approval request built from injected values', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'approvals-secrets', modules: [...approvalModules('test/approvals/config/approvals.yml'), injection] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('masks an injected secret in the changes and leaves out a link carrying one, in every copy and on the gate', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run secret-release --env production');
    const c = await waitCopies(h, id, ['U0CAROL', 'U0DAVE'], /^Approval needed/);
    expect(JSON.stringify(c.channel!.blocks)).toContain('Rotates the database password to ••••');
    const gate = await gateOf(h, id);
    expect(gate.links).toEqual([]);
    expect(JSON.stringify([gate, h.slack.calls()])).not.toContain(SECRET);
  });
});
