import { expect } from 'vitest';
import { makePipelinesModule } from '../../src/app/wire-pipelines.js';
import type { ModuleFactory } from '../../src/core/module.js';
import { approvalsModuleWith } from '../../src/app/modules/approvals.js';
import type { Gate } from '../../src/domain/approvals/gate.js';
import { servicesOf } from '../../src/domain/services.js';
import type { Message } from '../../src/local-slack/types.js';
import type { Harness } from '../support/harness.js';

/** The pipelines module on this folder's workflows (short watchdog timers) and approvals on a test policy file. */
export function approvalModules(policyFile: string): ModuleFactory[] {
  return [
    makePipelinesModule({ workflowsDir: 'test/approvals/workflows', leaseMs: 900, watchdogMs: 300, requeueAfterMs: 5000, pollMs: 40 }),
    approvalsModuleWith({ policyFile }),
  ];
}

export const RUN_CHANNEL = 'C0DEPLOYS';

/** Starts a run by slash command and returns its id. */
export async function startRun(h: Harness, user: string, line: string): Promise<string> {
  const res = await h.command(user, RUN_CHANNEL, line);
  const id = /run \*(r\d+)\*/i.exec(res.text)?.[1];
  if (!id) throw new Error(`no run started by ${line}: ${res.text}`);
  return id;
}

export async function runOf(h: Harness, id: string) {
  return servicesOf(h.app.ctx).get('pipelines').getRun(id);
}

export async function waitRunStatus(h: Harness, id: string, status: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await runOf(h, id);
    if (run?.status === status) return run;
    if (Date.now() > deadline)
      throw new Error(`run ${id} is ${run?.status ?? 'missing'}, expected ${status}: ${JSON.stringify(run?.stages)}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

export async function gateOf(h: Harness, runId: string): Promise<Gate> {
  const g = await h.app.ctx.store.getJson<Gate>(h.app.ctx.store.key('approval', 'gate', `${runId}-approve`));
  if (!g) throw new Error(`no gate for ${runId}`);
  return g;
}

const isCopy = (runId: string) => (m: Message) => new RegExp(`^Approval \\w+: [\\w-]+ ${runId}: `).test(m.text);

/** Every copy of a run's approval request: run thread, approval channel, DMs of the given users. */
export function copies(
  h: Harness,
  runId: string,
  dmUsers: string[],
): { thread?: Message; channel?: Message; dms: Record<string, Message | undefined> } {
  const pick = (channel: string) => h.slack.messages(channel, { includeReplies: true }).find(isCopy(runId));
  return {
    thread: pick(RUN_CHANNEL),
    channel: pick('C0APPROVALS'),
    dms: Object.fromEntries(dmUsers.map((u) => [u, pick(h.slack.dmChannel(u).id)])),
  };
}

export function waitCopies(h: Harness, runId: string, dmUsers: string[], pattern: RegExp) {
  const textsAtStart = Object.values(copies(h, runId, dmUsers)).map((m) => (m as Message | undefined)?.text);
  return h.slack.waitFor(
    () => {
      const c = copies(h, runId, dmUsers);
      const all = [c.thread, c.channel, ...Object.values(c.dms)];
      return all.every((m) => m && pattern.test(m.text)) ? c : undefined;
    },
    {
      timeoutMs: 15_000,
      message: `copies of ${runId} never matched ${pattern}: ${JSON.stringify(textsAtStart)}`,
    },
  );
}

export function hasButtons(m: Message | undefined): boolean {
  return JSON.stringify(m?.blocks ?? []).includes('"type":"button"');
}

/** Presses a button on a message and waits for the ephemeral answer to the presser. */
export async function press(h: Harness, user: string, m: Message, actionId: string): Promise<string> {
  const before = h.slack.ephemerals(user).length;
  const res = await h.slack.pressButton({ user, channel: m.channel, ts: m.ts, actionId });
  expect(res.status).toBe(200);
  const eph = await h.slack.waitFor(() => h.slack.ephemerals(user).slice(before)[0], {
    timeoutMs: 8000,
    message: `no answer to ${user} pressing ${actionId}`,
  });
  return eph.text;
}

/** Presses a button that opens a modal and returns the modal's id. */
export async function openModalBy(h: Harness, user: string, m: Message, actionId: string, callbackId: string): Promise<string> {
  const before = new Set(h.slack.views().map((v) => v.id));
  await h.slack.pressButton({ user, channel: m.channel, ts: m.ts, actionId });
  const view = await h.slack.waitFor(
    () => h.slack.views().find((v) => !before.has(v.id) && v.user === user && v.callback_id === callbackId && v.open),
    { timeoutMs: 8000, message: `no ${callbackId} modal for ${user}` },
  );
  return view.id;
}

export async function waitStage(h: Harness, runId: string, stageId: string, status: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stage = (await runOf(h, runId))?.stages.find((s) => s.id === stageId);
    if (stage?.status === status) return stage;
    if (Date.now() > deadline) throw new Error(`stage ${stageId} of ${runId} is ${stage?.status ?? 'missing'}, expected ${status}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}
