import {
  actions,
  context,
  escapeMrkdwn,
  header,
  link,
  md,
  mention,
  sections,
  type ButtonSpec,
  type MessageContent,
} from '../../src/core/blocks.js';
import { escapeUntrusted, reviewedMrkdwn, slackDate } from '../../src/core/outbound.js';
import { currentStep, describeCondition, type RunbookRun, type StepState, type StepStatus } from '../../src/domain/runbooks/model.js';
import type { RunbookPresenter } from '../../src/domain/runbooks/presenter.js';
import { stepKind, type RunbookDef, type StepDef } from '../../src/domain/runbooks/schema.js';
import { DONE, RUN, SKIP, START } from './actions.js';

const ICON: Record<StepStatus, string> = {
  pending: ':white_circle:',
  ready: ':point_right:',
  running: ':hourglass_flowing_sand:',
  waiting: ':hourglass_flowing_sand:',
  done: ':white_check_mark:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  skipped: ':fast_forward:',
};

const RUN_LINE = { running: 'in progress', completed: ':white_check_mark: completed', failed: ':x: stopped: a step failed' };

/** Mrkdwn written in a runbook file: reviewed like code (see reviewedMrkdwn in src/core/outbound.ts). */
export const instructionMrkdwn = reviewedMrkdwn;

function kindLabel(def: StepDef): string {
  const k = stepKind(def);
  if (k === 'automated') return `_${def.run!.kind}_${def.confirm ? ' · confirm' : ''}`;
  if (k === 'pipeline') return `_pipeline ${escapeMrkdwn(def.pipeline!.name)}_${def.confirm ? ' · confirm' : ''}`;
  return '_manual_';
}

function stepLine(def: StepDef, s: StepState, n: number): string {
  const parts = [`${ICON[s.status]} *${n}. ${escapeMrkdwn(def.title)}* ${kindLabel(def)} — ${s.status}`];
  if (s.by && s.by !== 'switchyard' && s.status !== 'pending') parts.push(`by ${mention(s.by)}`);
  if (s.finishedAt) parts.push(slackDate(s.finishedAt, new Date(s.finishedAt).toISOString().slice(11, 16)));
  if (def.when && s.status === 'pending') parts.push(`_if ${escapeMrkdwn(describeCondition(def.when))}_`);
  if (s.value !== undefined) parts.push(`${escapeMrkdwn(def.ask?.label ?? 'value')}: *${escapeUntrusted(s.value)}*`);
  if (s.note) parts.push(`note: ${escapeUntrusted(s.note)}`);
  if (s.reason) parts.push(`reason: ${escapeUntrusted(s.reason)}`);
  if (s.summary) parts.push(escapeUntrusted(s.summary));
  if (s.link) parts.push(link(s.link, 'details'));
  return parts.join(' · ');
}

function stepButtons(run: RunbookRun): ButtonSpec[] {
  const cur = currentStep(run);
  if (run.status !== 'running' || !cur || cur.state.status !== 'ready') return [];
  const value = { run: run.id, step: cur.state.id };
  const skip = SKIP.button({ text: 'Skip…', value });
  if (stepKind(cur.def) === 'manual') return [DONE.button({ text: 'Done…', value, style: 'primary' }), skip];
  const what = cur.def.pipeline ? `start pipeline ${cur.def.pipeline.name}` : `run ${cur.def.run!.kind} step "${cur.def.title}"`;
  const confirm = { title: 'Run this step?', text: `This will ${what} for ${run.id}.`, confirm: 'Run' };
  return [RUN.button({ text: 'Run', value, style: 'danger', confirm }), skip];
}

export const runbookPresenter: RunbookPresenter = {
  runMessage(run, now) {
    const lines = run.def.steps.map((def, i) => stepLine(def, run.steps[i]!, i + 1));
    const cur = currentStep(run);
    const facts = [
      `*${run.id}* · \`${run.runbook}\` · ${RUN_LINE[run.status]}`,
      `started by ${mention(run.startedBy)}`,
      ...(run.env ? [`env ${escapeMrkdwn(run.env)}`] : []),
      ...(run.incident ? [`incident ${run.incident}`] : []),
      `sha256 \`${run.hash.slice(0, 12)}\`${run.commit ? ` · commit \`${run.commit.slice(0, 12)}\`` : ''}`,
    ];
    const blocks = [header(`Runbook: ${run.def.title}`), context(facts.join(' · ')), ...sections(lines)];
    if (cur && run.status === 'running') {
      const def = cur.def;
      const what =
        def.instruction !== undefined
          ? instructionMrkdwn(def.instruction)
          : cur.state.status === 'ready'
            ? 'Press *Run* to start this step, or *Skip…* with a reason.'
            : 'Running…';
      blocks.push(md(`*Now: ${escapeMrkdwn(def.title)}*\n${what}`));
      const buttons = stepButtons(run);
      if (buttons.length) blocks.push(actions(buttons, `runbook-${run.id}-${cur.state.id}-${cur.state.gen}`));
    }
    blocks.push(context(`updated ${slackDate(now, new Date(now).toISOString().slice(11, 16))}`));
    return { text: `Runbook ${run.runbook} (${run.id}): ${run.status}`, blocks };
  },

  offer(incidentId: string, runbooks: readonly RunbookDef[]): MessageContent {
    const blocks = [md(`:books: *Runbooks for ${incidentId}*`)];
    for (const r of runbooks.slice(0, 10)) {
      blocks.push(md(`*${escapeMrkdwn(r.title)}* (\`${r.name}\`)${r.description ? `\n${escapeMrkdwn(r.description)}` : ''}`));
      blocks.push(actions([START.button({ text: `Run ${r.name}`.slice(0, 70), value: { name: r.name, incident: incidentId } })]));
    }
    return { text: `Runbooks for ${incidentId}: ${runbooks.map((r) => r.name).join(', ')}`, blocks };
  },
};
