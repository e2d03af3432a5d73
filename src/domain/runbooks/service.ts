import type { Actor } from '../../core/access.js';
import { InvalidStateError, NotFoundError, UsageError } from '../../core/errors.js';
import { enqueueJob } from '../../core/ports/jobs.js';
import { servicesOf, type Services } from '../services.js';
import { authorizeRunbook } from './authorize.js';
import type { RunbookCatalog } from './catalog.js';
import type { PipelineStarter, RunbookDeps, StepRef } from './deps.js';
import { STEP_JOB } from './step-job.js';
import { currentStep, plan, type RunbookRun, type StepState } from './model.js';
import { stepKind, type StepDef } from './schema.js';

export type { PipelineStarter, RunbookCtx, RunbookDeps, StepRef } from './deps.js';

/**
 * Runs runbooks: one run per `/runbook run` or Run button, advanced step by step. Every change
 * goes through `repo.update` (atomic), so a second press, a redelivered job or another process
 * sees the step already moved on and does nothing; side effects follow from the change that won.
 */
export class RunbookService {
  private pipelineSteps?: PipelineStarter;

  constructor(private readonly d: RunbookDeps) {}

  private get services(): Services {
    return servicesOf(this.d.ctx);
  }

  usePipelineSteps(p: PipelineStarter): void {
    this.pipelineSteps = p;
  }

  get catalog(): RunbookCatalog {
    return this.d.catalog;
  }

  async get(id: string): Promise<RunbookRun> {
    const run = await this.d.repo.get(id);
    if (!run) throw new NotFoundError('runbook run', id);
    return run;
  }

  async start(o: { name: string; actor: Actor; channel: string; incident?: string; env?: string }): Promise<RunbookRun> {
    const rb = this.d.catalog.require(o.name);
    await authorizeRunbook(this.d.ctx.access, rb.def, o.actor, `run ${rb.def.name}`);
    const incident = await this.incidentFor(o.incident, o.channel);
    const id = await this.d.repo.nextId();
    const commit = await this.d.catalog.commit(this.d.dir);
    const env = o.env ?? rb.def.default_env;
    const run: RunbookRun = {
      id,
      runbook: rb.def.name,
      def: rb.def,
      file: rb.file,
      hash: rb.hash,
      ...(commit ? { commit } : {}),
      ...(env ? { env } : {}),
      ...(incident ? { incident } : {}),
      channel: o.channel,
      messageKey: `runbook-${id}`,
      startedBy: o.actor.userId,
      createdAt: this.now,
      status: 'running',
      steps: rb.def.steps.map((s) => ({ id: s.id, status: 'pending', gen: 0 })),
    };
    await this.d.repo.create(run);
    await this.d.ctx.chat.post({ channel: run.channel, key: run.messageKey, ...this.d.presenter.runMessage(run, this.now) });
    const version = `file ${rb.file} sha256 ${rb.hash.slice(0, 12)}${commit ? ` at commit ${commit.slice(0, 12)}` : ''}`;
    await this.d.evidence.audit(run, {
      actor: o.actor.userId,
      action: 'runbook.run.started',
      detail: `${version}${env ? ` env ${env}` : ''}`,
    });
    await this.d.evidence.timeline(run, `started "${rb.def.title}" (${version})`, o.actor.userId);
    return (await this.advance(id, o.actor)) ?? run;
  }

  /** `--incident` wins; otherwise the open incident whose channel this is. */
  private async incidentFor(typed: string | undefined, channel: string): Promise<string | undefined> {
    const incidents = this.services.maybe('incidents');
    if (!incidents) {
      if (typed) throw new UsageError('The incidents capability is not enabled in this deployment, so --incident cannot be used.');
      return undefined;
    }
    if (typed) {
      const inc = await incidents.get(typed);
      if (!inc) throw new NotFoundError('incident', typed);
      return inc.id;
    }
    return (await incidents.openIncidents()).find((i) => i.channel === channel)?.id;
  }

  /** Done on a manual step, with an optional note and the value it asks for. */
  async done(ref: StepRef, actor: Actor, input: { note?: string; value?: string }): Promise<RunbookRun> {
    const { def } = await this.pressable(ref, actor, 'manual');
    if (def.ask && !input.value) throw new UsageError(`Step *${def.id}* asks for ${def.ask.label}.`);
    const after = await this.settle(ref, actor.userId, (s) => ({
      ...s,
      status: 'done',
      ...(input.note ? { note: input.note.slice(0, 1000) } : {}),
      ...(input.value ? { value: input.value.slice(0, 200) } : {}),
    }));
    const extra = [input.value ? `${def.ask?.label ?? 'value'}: ${input.value}` : '', input.note ? `note: ${input.note}` : ''];
    await this.d.evidence.timeline(
      after,
      `step ${def.id} done${extra.filter(Boolean).length ? ` (${extra.filter(Boolean).join('; ')})` : ''}`,
      actor.userId,
    );
    return (await this.advance(after.id, actor)) ?? after;
  }

  /** Skip on the current step, with the reason (audited). */
  async skip(ref: StepRef, actor: Actor, reason: string): Promise<RunbookRun> {
    const { def } = await this.pressable(ref, actor);
    const after = await this.settle(ref, actor.userId, (s) => ({ ...s, status: 'skipped', reason: reason.slice(0, 500) }));
    await this.d.evidence.audit(after, { actor: actor.userId, action: 'runbook.step.skipped', step: def.id, detail: `skipped: ${reason}` });
    await this.d.evidence.timeline(after, `step ${def.id} skipped: ${reason}`, actor.userId);
    return (await this.advance(after.id, actor)) ?? after;
  }

  /** Run on a confirmed automated or pipeline step (the confirmation dialog was answered). */
  async confirm(ref: StepRef, actor: Actor): Promise<RunbookRun> {
    const { index } = await this.pressable(ref, actor, 'confirmable');
    await this.startStep(ref.run, index, actor, 'ready');
    return this.get(ref.run);
  }

  /** The current step, if `ref` names it and it waits on a person; checks who presses. */
  async pressable(ref: StepRef, actor: Actor, need?: 'manual' | 'confirmable'): Promise<{ def: StepDef; index: number }> {
    const run = await this.get(ref.run);
    await authorizeRunbook(this.d.ctx.access, run.def, actor, `act on runbook run ${run.id}`);
    const cur = currentStep(run);
    if (run.status !== 'running' || !cur || cur.state.id !== ref.step || cur.state.status !== 'ready')
      throw new InvalidStateError(`Step ${ref.step} of ${run.id} is not waiting for anyone now.`, [
        'The run message shows its current step.',
      ]);
    const kind = stepKind(cur.def);
    if (need === 'manual' && kind !== 'manual') throw new InvalidStateError(`Step ${ref.step} is not a manual step: press Run or Skip.`);
    if (need === 'confirmable' && kind === 'manual') throw new InvalidStateError(`Step ${ref.step} is manual: press Done or Skip.`);
    return { def: cur.def, index: cur.index };
  }

  /** Finishes the current `ready` step with `patch`; throws when another press got there first. */
  private async settle(ref: StepRef, by: string, patch: (s: StepState) => StepState): Promise<RunbookRun> {
    const now = this.now;
    const after = await this.d.repo.update(ref.run, (run) => {
      const i = run.steps.findIndex((s) => s.id === ref.step);
      if (i < 0 || run.steps[i]!.status !== 'ready') return null;
      const steps = run.steps.map((s, j) => (j === i ? { ...patch(s), by, finishedAt: now } : s));
      return { ...run, steps };
    });
    if (!after) throw new InvalidStateError(`Step ${ref.step} of ${ref.run} was already settled.`);
    return after;
  }

  /**
   * Moves the run on: skips steps whose condition does not hold, readies the next manual or
   * confirmed step, starts the next automated or pipeline step, or finishes the run.
   */
  async advance(id: string, actor?: Actor): Promise<RunbookRun | null> {
    const now = this.now;
    let move: ReturnType<typeof plan>['move'] = { kind: 'wait' };
    let before: RunbookRun | null = null;
    const after = await this.d.repo.update(id, (run) => {
      if (run.status !== 'running') return null;
      before = run;
      const p = plan(run, now);
      move = p.move;
      if (move.kind === 'finish') return { ...run, steps: p.steps, status: move.status, finishedAt: now };
      if (move.kind === 'ready') {
        const i = move.index;
        return { ...run, steps: p.steps.map((s, j) => (j === i ? { ...s, status: 'ready' as const, startedAt: now } : s)) };
      }
      return p.steps.some((s, j) => s.status !== run.steps[j]!.status) ? { ...run, steps: p.steps } : null;
    });
    const cur = after ?? (await this.d.repo.get(id));
    if (!cur) return null;
    if (after && before) await this.recordConditionSkips(before, after);
    if (after) await this.refresh(after);
    const m = move as ReturnType<typeof plan>['move'];
    if (after && m.kind === 'finish') {
      await this.d.evidence.timeline(after, `finished: ${m.status}`);
      await this.d.evidence.audit(after, { actor: 'switchyard', action: 'runbook.run.finished', detail: m.status });
    }
    if (m.kind === 'start') await this.startStep(id, m.index, actor ?? (await this.d.ctx.access.actor(cur.startedBy)), 'pending');
    return this.d.repo.get(id);
  }

  private async recordConditionSkips(before: RunbookRun, after: RunbookRun): Promise<void> {
    for (const [i, s] of after.steps.entries())
      if (s.status === 'skipped' && before.steps[i]!.status === 'pending')
        await this.d.evidence.timeline(after, `step ${s.id} skipped: ${s.reason}`);
  }

  /**
   * Starts an automated step (its job) or a pipeline step, from `from` (pending when it starts on
   * its own, ready when a person pressed Run). Only the caller whose change moved it starts it.
   */
  private async startStep(id: string, index: number, actor: Actor, from: 'pending' | 'ready'): Promise<void> {
    const now = this.now;
    const after = await this.d.repo.update(id, (run) => {
      const s = run.steps[index];
      if (run.status !== 'running' || !s || s.status !== from) return null;
      const kind = stepKind(run.def.steps[index]!);
      const next: StepState = {
        ...s,
        status: kind === 'pipeline' ? 'waiting' : 'running',
        gen: s.gen + 1,
        startedAt: now,
        by: actor.userId,
      };
      return { ...run, steps: run.steps.map((x, j) => (j === index ? next : x)) };
    });
    if (!after) return;
    const def = after.def.steps[index]!;
    const state = after.steps[index]!;
    await this.refresh(after);
    await this.d.evidence.timeline(after, `step ${def.id} started`, actor.userId);
    if (stepKind(def) === 'automated') {
      await enqueueJob(this.d.ctx.jobs, STEP_JOB, { runId: id, stepId: def.id, gen: state.gen }, { id: `rb-${id}-${def.id}-${state.gen}` });
      return;
    }
    if (!this.pipelineSteps) throw new InvalidStateError('pipeline steps are not wired');
    await this.pipelineSteps.start(after, def, state, actor, from === 'ready');
  }

  /** Records an automated or pipeline step's outcome and moves on (idempotent by gen). */
  async finishStep(
    id: string,
    stepId: string,
    gen: number,
    result: Partial<StepState> & { status: 'succeeded' | 'failed' },
  ): Promise<void> {
    const now = this.now;
    const after = await this.d.repo.update(id, (run) => {
      const s = run.steps.find((x) => x.id === stepId);
      if (!s || s.gen !== gen || (s.status !== 'running' && s.status !== 'waiting')) return null;
      return { ...run, steps: run.steps.map((x) => (x.id === stepId ? { ...x, ...result, finishedAt: now } : x)) };
    });
    if (!after) return;
    await this.d.evidence.audit(after, {
      actor: 'switchyard',
      action: 'runbook.step.finished',
      outcome: result.status === 'succeeded' ? 'ok' : 'error',
      step: stepId,
      detail: `${result.status}: ${result.summary ?? ''}`,
    });
    await this.d.evidence.timeline(after, `step ${stepId} ${result.status}${result.summary ? `: ${result.summary}` : ''}`);
    await this.advance(id);
  }

  /** A pipeline step whose press was refused by the pipeline waits for another press. */
  async reopen(id: string, stepId: string, gen: number): Promise<void> {
    const after = await this.d.repo.update(id, (run) => {
      const s = run.steps.find((x) => x.id === stepId);
      if (!s || s.gen !== gen || s.status !== 'waiting' || s.pipelineRunId) return null;
      return { ...run, steps: run.steps.map((x) => (x.id === stepId ? { ...x, status: 'ready' as const } : x)) };
    });
    if (after) await this.refresh(after);
  }

  /** Keeps a step's state (a CI checkpoint, a pipeline run id) while it runs. */
  async patchRunning(id: string, stepId: string, gen: number, patch: Partial<StepState>): Promise<RunbookRun | null> {
    const after = await this.d.repo.update(id, (run) => {
      const s = run.steps.find((x) => x.id === stepId);
      if (!s || s.gen !== gen || (s.status !== 'running' && s.status !== 'waiting')) return null;
      return { ...run, steps: run.steps.map((x) => (x.id === stepId ? { ...x, ...patch } : x)) };
    });
    if (after) await this.refresh(after);
    return after;
  }

  async refresh(run: RunbookRun): Promise<void> {
    await this.d.ctx.chat.update(run.messageKey, this.d.presenter.runMessage(run, this.now));
    // The starter's App Home lists the runs waiting on them; others see theirs when they open it.
    await this.d.ctx.home.refresh(run.startedBy).catch((err: Error) => this.d.ctx.log.warn({ err: err.message }, 'home refresh failed'));
  }

  private get now(): number {
    return this.d.ctx.clock.now();
  }
}
