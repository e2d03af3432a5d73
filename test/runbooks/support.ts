import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRunbooksModule } from '../../src/app/modules/runbooks.js';
import type { ModuleFactory } from '../../src/core/module.js';
import type { RunbookRun } from '../../src/domain/runbooks/model.js';
import { RunbookRunRepo } from '../../src/domain/runbooks/repo.js';
import type { Message } from '../../src/local-slack/types.js';
import type { Harness } from '../support/harness.js';
import { waitFor } from '../support/redis.js';

export const FIXTURES = 'test/runbooks/fixtures';
export const DRILL_HASH = createHash('sha256')
  .update(readFileSync(`${FIXTURES}/ops-drill.yml`, 'utf8'))
  .digest('hex');

export function testRunbooks(dir = FIXTURES): ModuleFactory {
  return (ctx) => createRunbooksModule(ctx, { dir });
}

export function runOf(h: Harness, id: string): Promise<RunbookRun | null> {
  return new RunbookRunRepo(h.app.ctx.store).get(id);
}

export function runIdIn(text: string): string {
  const m = /RB-\d+/.exec(text);
  if (!m) throw new Error(`no runbook run id in: ${text}`);
  return m[0];
}

type Element = { action_id: string; value?: string; confirm?: unknown };

/** The run message (its header names the runbook's title) in `channel`, as Slack holds it now. */
export function runMessage(h: Harness, channel: string, id: string): Message {
  const m = h.slack.messages(channel).find((x) => x.text.includes(`(${id})`));
  if (!m) throw new Error(`no message for ${id} in ${channel}`);
  return m;
}

export function buttonsOf(m: Message): Element[] {
  return (m.blocks ?? []).flatMap((b) => (b as { elements?: Element[] }).elements ?? []).filter((e) => e.action_id);
}

/** Waits until the run's current step is `step` with `status`, and returns the run. */
export async function until(h: Harness, id: string, pred: (r: RunbookRun) => boolean, what: string): Promise<RunbookRun> {
  return waitFor(
    async () => {
      const r = await runOf(h, id);
      return r && pred(r) ? r : undefined;
    },
    10_000,
    `${id}: ${what}`,
  );
}

export const stepIs = (step: string, status: string) => (r: RunbookRun) => r.steps.find((s) => s.id === step)?.status === status;

/**
 * Presses the run message's button with this action id (Done, Skip, Run) as `user`, once the
 * message shows it for the run's current step (updates reach Slack through the outbox).
 */
export async function press(h: Harness, user: string, channel: string, id: string, actionId: string) {
  const run = await runOf(h, id);
  const current = run?.steps.find((s) => s.status === 'ready')?.id;
  const { m, el } = await waitForButton(h, channel, id, actionId, current);
  return h.slack.pressButton({ user, channel, ts: m.ts, actionId: el.action_id, ...(el.value !== undefined ? { value: el.value } : {}) });
}

/** Presses as `press` does and waits for the answer to the presser that contains `words`. */
export async function pressAndHear(h: Harness, user: string, channel: string, id: string, actionId: string, words: string) {
  const before = h.slack.ephemerals(user).length;
  await press(h, user, channel, id, actionId);
  return h.slack.waitFor(
    () =>
      h.slack
        .ephemerals(user)
        .slice(before)
        .find((e) => e.text.includes(words)),
    {
      message: `${user} was not told "${words}"`,
    },
  );
}

/** The run message once it carries a button with this action id (for `step`, when given). */
export function waitForButton(
  h: Harness,
  channel: string,
  id: string,
  actionId: string,
  step?: string,
): Promise<{ m: Message; el: Element }> {
  return h.slack.waitFor(
    () => {
      const m = h.slack.messages(channel).find((x) => x.text.includes(`(${id})`));
      const el = m && buttonsOf(m).find((e) => e.action_id.split('#')[0] === actionId && (!step || e.value === `${id}|${step}`));
      return m && el ? { m, el } : undefined;
    },
    { message: `no ${actionId} button on ${id}${step ? ` for ${step}` : ''}` },
  );
}

/** Opens the Done or Skip form of the current step and submits `values` (block id -> text). */
export async function submitForm(h: Harness, user: string, channel: string, id: string, actionId: string, values: Record<string, string>) {
  const before = new Set(h.slack.views().map((v) => v.id));
  await press(h, user, channel, id, actionId);
  const view = await h.slack
    .waitFor(() => h.slack.views().find((v) => !before.has(v.id) && v.open && v.user === user), { message: `no ${actionId} form opened` })
    .catch((err: Error) => {
      const said = h.slack
        .ephemerals(user)
        .slice(-2)
        .map((e) => e.text);
      throw new Error(`${err.message}; ${user} was told: ${said.join(' / ')}`);
    });
  return h.slack.submitView({ user, viewId: view.id, values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { [k]: v }])) });
}
