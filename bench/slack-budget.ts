import { METHOD_TIERS, TIER_FLOOR_PER_MINUTE } from '../src/adapters/slack/rate-budget.js';
import type { Gate } from '../src/domain/approvals/gate.js';
import { ACTION_APPROVE } from '../commands/approvals/actions.js';
import { servicesOf } from '../src/domain/services.js';
import { makePipelinesModule } from '../src/app/wire-pipelines.js';
import { approvalsModuleWith } from '../src/app/modules/approvals.js';
import { FAN, seedWithFanout } from '../test/approvals/fanout-seed.js';
import { incidentIdIn, startIncidents } from '../test/incidents/support.js';
import { startHarness, type Harness } from '../test/support/harness.js';
import type { Bench, BenchResult } from './types.js';

/**
 * The Slack Web API bill, counted call by call on the local Slack's wire: a staging run (no gate),
 * gated production runs with 2 and with 20 approvers (2 approvals each), and an incident's life.
 * Projected at #14's scale (200 deploys an hour, a quarter through a 2-of-20 production gate, 5
 * incidents an hour) as a fraction of each method's Slack tier floor per minute (goal <= 0.5).
 * Group memberships are warmed first: at scale they come from the cache, refreshed once per group
 * every 5 minutes (added to the projection as such). The shared limiter is on, as in production.
 */
const SCALE = { ungatedRuns: 150, gatedRuns: 50, incidents: 5 };
const GROUPS_REFRESHED_PER_HOUR = 3 * 12; // S0SRE, S0APPROVERS and one approver group, every 5 minutes
/** Slack calls stop this long before a scenario counts as over (Homes and edits are coalesced). */
const QUIET_MS = 1500;
const REQUESTER = 'U0BOB';

type Bill = Map<string, number>;
/** Calls per method, and how many of the chat.update calls edited a DM (approvers' copies). */
type Counted = { bill: Bill; dmUpdates: number };

function billSince(h: Harness, from: number): Counted {
  const bill: Bill = new Map();
  let dmUpdates = 0;
  for (const c of h.slack.calls().slice(from)) {
    if (c.method === 'response_url') continue;
    bill.set(c.method, (bill.get(c.method) ?? 0) + 1);
    if (c.method === 'chat.update' && String(c.args.channel).startsWith('D')) dmUpdates++;
  }
  return { bill, dmUpdates };
}

async function quiet(h: Harness): Promise<void> {
  let seen = -1;
  let since = Date.now();
  for (;;) {
    const n = h.slack.calls().length;
    if (n !== seen) [seen, since] = [n, Date.now()];
    else if (Date.now() - since >= QUIET_MS) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runGated(h: Harness, env: string, voters: string[]): Promise<void> {
  const res = await h.command(REQUESTER, 'C0DEPLOYS', `/pipeline run gated-release --env ${env}`);
  const id = /run \*(r\d+)\*/i.exec(res.text)?.[1];
  if (!id) throw new Error(`no run started: ${res.text}`);
  const pipelines = servicesOf(h.app.ctx).get('pipelines');
  const gate = () => h.app.ctx.store.getJson<Gate>(h.app.ctx.store.key('approval', 'gate', `${id}-approve`));
  for (const [i, voter] of voters.entries()) {
    const dm = await until(
      async () => h.slack.messages(h.slack.dmChannel(voter).id).find((m) => m.text.startsWith(`Approval needed: gated-release ${id}: `)),
      `${voter}'s approval request`,
    );
    const pressed = await h.slack.pressButton({ user: voter, channel: dm.channel, ts: dm.ts, actionId: ACTION_APPROVE });
    if (pressed.status !== 200) throw new Error(`approve answered ${pressed.status}`);
    // The next vote comes once this one is recorded, as people vote one after another.
    await until(async () => ((await gate())?.approvals.length === i + 1 ? true : undefined), `${voter}'s approval recorded`);
  }
  await until(async () => ((await pipelines.getRun(id))?.status === 'succeeded' ? true : undefined), `run ${id} succeeded`);
}

async function scenario(h: Harness, run: () => Promise<void>): Promise<Counted> {
  await quiet(h);
  const from = h.slack.calls().length;
  await run();
  await quiet(h);
  return billSince(h, from);
}

async function pipelineBills(): Promise<{ staging: Counted; gated2: Counted; gated20: Counted }> {
  const env = { SLACK_RATE_LIMITER: 'tiers' };
  const modules = (policyFile: string) => [
    makePipelinesModule({ workflowsDir: 'test/approvals/workflows' }),
    approvalsModuleWith({ policyFile }),
  ];
  const small = await startHarness({ name: 'bench-budget-2', env, modules: modules('test/approvals/config/approvals.yml') });
  let staging: Counted;
  let gated2: Counted;
  try {
    for (const g of ['S0SRE', 'S0APPROVERS']) await small.app.ctx.access.groupMembers(g);
    staging = await scenario(small, () => runGated(small, 'staging', []));
    gated2 = await scenario(small, () => runGated(small, 'production', ['U0CAROL', 'U0DAVE']));
  } finally {
    await small.close();
  }
  const fan = await startHarness({
    name: 'bench-budget-20',
    env,
    seed: seedWithFanout(),
    modules: modules('test/approvals/config/fanout.yml'),
  });
  try {
    for (const g of ['S0SRE', 'S0APPROVERS', 'S0FANOUT']) await fan.app.ctx.access.groupMembers(g);
    const gated20 = await scenario(fan, () => runGated(fan, 'production', [FAN[0]!, FAN[7]!]));
    return { staging, gated2, gated20 };
  } finally {
    await fan.close();
  }
}

async function incidentBill(): Promise<Counted> {
  const ih = await startIncidents('bench-budget-inc', { env: { SLACK_RATE_LIMITER: 'tiers' } });
  const { h } = ih;
  try {
    for (const g of ['S0SRE', 'S0APPROVERS']) await h.app.ctx.access.groupMembers(g);
    return await scenario(h, async () => {
      const declared = await h.command('U0ERIN', 'C0INCIDENTS', '/incident declare sev2 "Checkout errors" --service checkout');
      const id = incidentIdIn(declared.text);
      const inc = await ih.ready(id);
      const say = (line: string) => h.command('U0ERIN', inc.channel!, line);
      await say(`/incident ack --id ${id}`);
      await say(`/incident status identified --id ${id}`);
      await say(`/incident update "Rolled back the release; error rate falling" --id ${id}`);
      await say(`/incident status monitoring --id ${id}`);
      await say(`/incident update "Error rate back to normal" --id ${id}`);
      await say(`/incident resolve "Rolled back v1.2.3" --id ${id}`);
      await until(async () => ((await ih.incident(id)).status === 'resolved' ? true : undefined), `${id} resolved`);
    });
  } finally {
    await ih.close();
  }
}

const fmt = (c: Counted) =>
  [...c.bill.entries()]
    .sort()
    .map(([m, n]) => `${m} ${n}${m === 'chat.update' && c.dmUpdates ? ` (${c.dmUpdates} of them DM copies)` : ''}`)
    .join(', ');

export const bench: Bench = async () => {
  const { staging, gated2, gated20 } = await pipelineBills();
  const incident = await incidentBill();
  const results: BenchResult[] = [
    { name: 'Slack calls: staging run (no gate)', value: sum(staging.bill), unit: 'calls', note: fmt(staging) },
    { name: 'Slack calls: gated run, 2 approvers, 2 approvals', value: sum(gated2.bill), unit: 'calls', note: fmt(gated2) },
    { name: 'Slack calls: gated run, 20 approvers, 2 approvals', value: sum(gated20.bill), unit: 'calls', note: fmt(gated20) },
    { name: "Slack calls: an incident's life (declare to resolve)", value: sum(incident.bill), unit: 'calls', note: fmt(incident) },
  ];
  const perHour: Bill = new Map();
  const add = (c: Counted, times: number) => {
    for (const [m, n] of c.bill) perHour.set(m, (perHour.get(m) ?? 0) + n * times);
  };
  add(staging, SCALE.ungatedRuns);
  add(gated20, SCALE.gatedRuns);
  add(incident, SCALE.incidents);
  perHour.set('usergroups.users.list', (perHour.get('usergroups.users.list') ?? 0) + GROUPS_REFRESHED_PER_HOUR);
  for (const [method, n] of [...perHour.entries()].sort()) {
    const perMinute = n / 60;
    const tier = METHOD_TIERS[method];
    if (tier === undefined || tier === 'special') {
      results.push({
        name: `at scale: ${method} per minute`,
        value: round(perMinute),
        unit: 'calls/min',
        note: tier === 'special' ? 'special tier: paced per channel (~1/s each), no per-minute floor' : 'tier unknown',
      });
      continue;
    }
    const floor = TIER_FLOOR_PER_MINUTE[tier];
    const dmCopies = round((gated20.dmUpdates * SCALE.gatedRuns) / 60);
    results.push({
      name: `at scale: ${method} (Tier ${tier}, floor ${floor}/min)`,
      value: round(perMinute / floor),
      unit: 'of floor',
      goal: { op: '<=', value: 0.5 },
      note:
        method === 'chat.update'
          ? `${round(perMinute)} calls/min, ${dmCopies} of them DM copies updated at a gate's decision`
          : `${round(perMinute)} calls/min`,
    });
  }
  return results;
};

function sum(b: Bill): number {
  return [...b.values()].reduce((a, n) => a + n, 0);
}

function round(n: number): number {
  return Number(n.toFixed(3));
}
