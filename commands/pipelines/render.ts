import {
  actions,
  context,
  escapeMrkdwn,
  fields,
  header,
  link,
  md,
  mdMessage,
  mention,
  type MessageContent,
} from '../../src/core/blocks.js';
import { formatDuration } from '../../src/core/time.js';
import type { RunStatus, StageStatus } from '../../src/domain/contracts.js';
import { isTerminal, type RunDoc, type StageState } from '../../src/domain/pipelines/model.js';
import type { RunPresenter } from '../../src/domain/pipelines/presenter.js';
import { safeMrkdwn } from '../../src/domain/pipelines/run-text.js';
import { CANCEL } from './actions.js';

/**
 * How a run looks in Slack: one message kept current (renderRun, with its Cancel button while it
 * runs), plus short lines for its thread and DMs. `runPresenter` below is what the domain's
 * Announcer is given; `/pipeline` (commands.ts) reuses the lines.
 */

export const RUN_ICON: Record<RunStatus, string> = {
  queued: ':double_vertical_bar:',
  running: ':large_blue_circle:',
  waiting: ':hourglass_flowing_sand:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
};

const STAGE_ICON: Record<StageStatus, string> = {
  pending: ':white_circle:',
  running: ':arrows_counterclockwise:',
  waiting: ':hourglass_flowing_sand:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
  skipped: ':fast_forward:',
};

export function stageDuration(s: StageState, now: number): string {
  if (!s.startedAt) return '';
  return formatDuration((s.finishedAt ?? now) - s.startedAt);
}

export function stageLine(s: StageState, now: number): string {
  const dur = stageDuration(s, now);
  const status = s.status === 'running' && s.phase === 'queued' ? 'queued' : s.status;
  const parts = [`${STAGE_ICON[s.status]} *${s.id}* _${s.kind}_ ${status}`];
  if (dur) parts.push(`(${dur})`);
  if (s.link) parts.push(link(s.link, 'open'));
  if (s.summary) parts.push(`— ${safeMrkdwn(s.summary)}`);
  return parts.join(' ');
}

export function runHeadline(doc: RunDoc): string {
  return `${doc.pipeline} ${doc.id} → ${doc.env}`;
}

export function runDuration(doc: RunDoc, now: number): string {
  const from = doc.startedAt ?? doc.createdAt;
  return formatDuration((doc.finishedAt ?? now) - from);
}

export function renderRun(doc: RunDoc, now: number): MessageContent {
  const lines = doc.stages.map((s) => stageLine(s, now));
  const meta = [
    `${RUN_ICON[doc.status]} *${doc.status}*`,
    `ref \`${escapeMrkdwn(doc.ref)}\``,
    `by ${mention(doc.triggeredBy)}`,
    runDuration(doc, now),
  ];
  if (doc.retryOf) meta.push(`retry of ${doc.retryOf}`);
  if (doc.promotedFrom) meta.push(`promoted from ${doc.promotedFrom}`);
  if (doc.rollbackOf) meta.push(`rollback of ${escapeMrkdwn(doc.rollbackOf)}`);
  if (doc.fixIncident) meta.push(`fix for ${escapeMrkdwn(doc.fixIncident)}`);
  const blocks = [header(`${runHeadline(doc)}`), context(meta.join(' · '))];
  if (doc.status === 'queued' && doc.queuedBehind) {
    blocks.push(
      md(`:double_vertical_bar: Queued behind run *${doc.queuedBehind}*: one deployment at a time to ${doc.service}/${doc.env}.`),
    );
  }
  const params = Object.entries(doc.params);
  if (params.length) blocks.push(fields(params.slice(0, 10).map(([k, v]) => [k, `\`${escapeMrkdwn(v)}\``])));
  blocks.push(md(lines.join('\n')));
  if (doc.reason && (doc.status === 'failed' || doc.status === 'cancelled')) blocks.push(context(safeMrkdwn(doc.reason)));
  if (!isTerminal(doc) && !doc.cancelRequested)
    blocks.push(
      actions(
        [
          CANCEL.button({
            text: 'Cancel',
            value: doc.id,
            style: 'danger',
            confirm: {
              title: `Cancel run ${doc.id}?`,
              text: `Stops ${doc.pipeline} to ${doc.env}: running stages are stopped and the deploy lock is freed.`,
              confirm: 'Cancel the run',
              deny: 'Keep it running',
            },
          }),
        ],
        `run-${doc.id}-actions`,
      ),
    );
  const text = `${runHeadline(doc)}: ${doc.status} (${doc.stages.map((s) => `${s.id} ${s.status}`).join(', ')})`;
  return { text, blocks };
}

export function finalLine(doc: RunDoc, now: number): string {
  const why = doc.reason ? ` — ${doc.reason}` : '';
  return (
    `${RUN_ICON[doc.status]} Run *${doc.id}* of *${doc.pipeline}* to *${doc.env}* ` +
    `(ref \`${escapeMrkdwn(doc.ref)}\`, by ${mention(doc.triggeredBy)}) ` +
    `${doc.status} after ${runDuration(doc, now)}${safeMrkdwn(why)}.`
  );
}

/** The Slack side of the RunPresenter port, wired by src/app/modules/pipelines.ts. */
export const runPresenter: RunPresenter = { runCard: renderRun, finalLine, note: mdMessage };
