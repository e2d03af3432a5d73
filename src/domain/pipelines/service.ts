import { AccessControl, type Actor } from '../../core/access.js';
import { mention } from '../../core/outbound.js';
import { ConflictError, ForbiddenError, InvalidStateError, NotFoundError, UsageError } from '../../core/errors.js';
import type { AppContext } from '../../core/module.js';
import { ABORT } from '../../core/ports/store.js';
import type { PipelineService, RunInfo, StageKind, StageOutcomeDone, StartRunRequest } from '../contracts.js';
import { deployGuards, servicesOf } from '../services.js';
import type { Announcer } from './announce.js';
import type { StageExecutor } from './executor.js';
import type { DeployLock } from './lock.js';
import { isTerminal, satisfies, toRunInfo, type RunDoc, type StageState } from './model.js';
import type { Orchestrator } from './orchestrator.js';
import type { RunRepo } from './repo.js';
import { bindParams, downstreamOf, requireDeployer, requireEnv, requireRef } from './rules.js';
import { linkPlanItems, requireOpenIncident } from './links.js';
import { requireEnvRules } from './env-rules.js';
import type { PipelineDef } from './schema.js';

const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/** How a run came to be, beyond the request: a retry (stages kept), a promotion (build stages skipped), plan links. */
export interface StartExtra {
  retryOf?: string;
  reuse?: ReadonlySet<string>;
  plan?: string;
  promotedFrom?: string;
}

/** A rollback reuses an older run's params, minus a `--plan` link: it ships older code, not those items. */
function rollbackParams(def: PipelineDef, req: StartRunRequest): Record<string, string> {
  if (!req.rollbackOf || Object.hasOwn(def.params, 'plan')) return req.params ?? {};
  const { plan: _linked, ...rest } = req.params ?? {};
  return rest;
}

/** What /pipeline needs beyond the PipelineService contract other capabilities use. */
export class PipelineEngine implements PipelineService {
  private defs = new Map<string, PipelineDef>();

  constructor(
    private readonly ctx: Pick<AppContext, 'audit' | 'clock' | 'services' | 'log'>,
    private readonly repo: RunRepo,
    private readonly lock: DeployLock,
    private readonly orch: Orchestrator,
    private readonly executor: StageExecutor,
    private readonly announce: Announcer,
    private readonly kinds: () => Map<string, StageKind>,
  ) {}

  setDefinitions(defs: PipelineDef[]): void {
    this.defs = new Map(defs.map((d) => [d.name, d]));
  }

  pipelineNames(): string[] {
    return [...this.defs.keys()].sort();
  }

  def(name: string): PipelineDef {
    const d = this.defs.get(name);
    if (!d) throw new NotFoundError('pipeline', name, this.pipelineNames());
    return d;
  }

  definition(name: string): ReturnType<PipelineService['definition']> {
    const d = this.defs.get(name);
    if (!d) return null;
    return {
      name: d.name,
      service: d.service,
      environments: Object.keys(d.environments),
      stages: d.stages.map((s) => ({ id: s.id, kind: s.kind, with: s.with, needs: s.needs })),
    };
  }

  async getRun(runId: string): Promise<RunInfo | null> {
    const d = await this.repo.get(runId);
    return d ? toRunInfo(d) : null;
  }

  getDoc(runId: string): Promise<RunDoc | null> {
    return this.repo.get(runId);
  }

  async requireDoc(runId: string): Promise<RunDoc> {
    const d = await this.repo.get(runId);
    if (!d)
      throw new NotFoundError(
        'run',
        runId,
        (await this.repo.recent({ limit: 10 })).map((r) => r.id),
      );
    return d;
  }

  async recentRuns(filter: Parameters<PipelineService['recentRuns']>[0]): Promise<RunInfo[]> {
    return (await this.repo.recent(filter)).map(toRunInfo);
  }

  recentDocs(filter: Parameters<PipelineService['recentRuns']>[0]): Promise<RunDoc[]> {
    return this.repo.recent(filter);
  }

  /** Runs in progress however old (a run may wait at a gate for days). */
  async activeDocs(): Promise<RunDoc[]> {
    return (await this.repo.activeDocs()).filter((d) => ['queued', 'running', 'waiting'].includes(d.status));
  }

  startRun(req: StartRunRequest): Promise<RunInfo> {
    return this.start(req, {});
  }

  /**
   * Validates (ref, typed params, the incident of `--fix`, the plan items of `--plan`), asks the
   * deploy guards, then creates the run and takes (or queues for) the lock. Every refusal comes
   * before anything is stored or enqueued.
   */
  async start(req: StartRunRequest, extra: StartExtra): Promise<RunInfo> {
    const def = this.def(req.pipeline);
    const env = requireEnv(def, req.env || undefined);
    requireDeployer(req.actor, def, env, 'run');
    const ref = requireRef(def, req.ref);
    const params = bindParams(def, rollbackParams(def, req));
    // The file's environment rules come before anything else is looked up (env-rules.ts).
    const runsOf = (service: string, in_: string) => this.repo.recent({ service, env: in_, limit: 100 });
    await requireEnvRules(def, env, { ref, params }, runsOf, this.ctx.clock.now(), { rollback: Boolean(req.rollbackOf) });
    if (extra.plan !== undefined) params.plan = await linkPlanItems(this.ctx, def, extra.plan);
    const fixIncident = req.fixIncident ? await requireOpenIncident(this.ctx, req.fixIncident) : undefined;
    await this.checkGuards(def, env, { ...req, ...(fixIncident ? { fixIncident } : {}) });
    const id = await this.repo.nextId();
    if (req.requestKey) {
      const existing = await this.repo.claimRequest(req.requestKey, id);
      if (existing) return this.waitForRun(existing);
    }
    const holder = await this.orch.releaseIfStale(def.service, env);
    if (holder && req.noQueue) {
      const h = await this.repo.get(holder);
      throw new ConflictError(
        `${def.service}/${env} is being deployed by run ${holder}${h ? ` (${h.pipeline}, by ${mention(h.triggeredBy)})` : ''}; ` +
          `--no-queue was given, so nothing was started.`,
        ['Drop --no-queue to queue behind it, or cancel it with `/pipeline cancel ' + holder + '`.'],
      );
    }
    const now = this.ctx.clock.now();
    const doc: RunDoc = {
      id,
      pipeline: def.name,
      service: def.service,
      teamChannel: def.team_channel,
      env,
      ref,
      params,
      triggeredBy: req.actor.userId,
      channel: req.channel,
      status: 'queued',
      createdAt: now,
      messageKey: `run-${id}`,
      stages: def.stages.map((s) => this.initialStage(s, env, extra)),
      ...(fixIncident ? { fixIncident } : {}),
      ...(req.rollbackOf ? { rollbackOf: req.rollbackOf } : {}),
      ...(extra.retryOf ? { retryOf: extra.retryOf } : {}),
      ...(extra.promotedFrom ? { promotedFrom: extra.promotedFrom } : {}),
      ...(req.requestKey ? { requestKey: req.requestKey } : {}),
      ...(req.overrideReason ? { overrideReason: req.overrideReason } : {}),
    };
    await this.repo.create(doc);
    const got = await this.lock.acquire(def.service, env, id, now);
    if (got !== id && req.noQueue) {
      await this.repo.update(id, (d) => ({
        ...d,
        status: 'cancelled',
        finishedAt: now,
        reason: `refused: ${got} took the deploy lock first and --no-queue was given`,
      }));
      await this.repo.markFinished(id);
      throw new ConflictError(`${def.service}/${env} is being deployed by run ${got}; --no-queue was given, so nothing was started.`);
    }
    if (got !== id) {
      await this.lock.enqueue(def.service, env, id, now);
      const queued = await this.repo.update(id, (d) => ({ ...d, queuedBehind: got }));
      await this.announce.postRun(queued ?? doc);
      // The holder may have finished between acquire and enqueue: promote re-checks.
      await this.orch.promote(def.service, env);
    } else {
      await this.announce.postRun(doc);
      await this.orch.start(id);
    }
    return toRunInfo((await this.repo.get(id)) ?? doc);
  }

  private initialStage(s: PipelineDef['stages'][number], env: string, extra: StartExtra): StageState {
    const kind = this.kinds().get(s.kind);
    const base: StageState = {
      id: s.id,
      kind: s.kind,
      status: 'pending',
      needs: s.needs,
      with: s.with,
      attempt: 0,
      gen: 0,
      maxAttempts: s.attempts ?? kind?.attempts ?? 3,
      backoffMs: kind?.backoffMs ?? 1000,
      timeoutMs: s.timeout ?? DEFAULT_TIMEOUT_MS,
      ...(s.name ? { name: s.name } : {}),
    };
    if (s.environments && !s.environments.includes(env))
      return { ...base, status: 'skipped', skip: 'not-for-env', summary: `not for ${env}` };
    if (s.build && extra.promotedFrom)
      return { ...base, status: 'skipped', skip: 'promoted', summary: `build stage: promoted from ${extra.promotedFrom}` };
    if (extra.reuse?.has(s.id))
      return { ...base, status: 'skipped', skip: 'reused', summary: `kept from ${extra.retryOf} (succeeded there)` };
    return base;
  }

  private async checkGuards(def: PipelineDef, env: string, req: StartRunRequest): Promise<void> {
    const at = this.ctx.clock.now();
    for (const g of deployGuards(servicesOf(this.ctx))) {
      const v = await g.check({
        pipeline: def.name,
        service: def.service,
        env,
        actor: req.actor,
        at,
        ...(req.fixIncident ? { fixIncident: req.fixIncident } : {}),
        ...(req.overrideReason ? { overrideReason: req.overrideReason } : {}),
      });
      if (v.allowed) continue;
      const reason = v.reason ?? `refused by ${g.name}`;
      if (v.overridable && req.overrideReason) {
        if (!AccessControl.has(req.actor, 'admin')) throw new ForbiddenError(`${reason} Only an admin may override it.`, `guard:${g.name}`);
        await this.ctx.audit.record({
          actor: req.actor.userId,
          action: 'pipeline.override',
          outcome: 'ok',
          target: `${def.name}/${env}`,
          detail: `${g.name}: ${reason} — override reason: ${req.overrideReason}`,
        });
        continue;
      }
      throw new ForbiddenError(reason, `guard:${g.name}`, v.overridable ? ['An admin can pass with `--override "reason"` (audited).'] : []);
    }
  }

  private async waitForRun(id: string): Promise<RunInfo> {
    for (let i = 0; i < 50; i++) {
      const d = await this.repo.get(id);
      if (d) return toRunInfo(d);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new ConflictError(`This request already started run ${id}.`);
  }

  async cancel(runId: string, actor: Actor): Promise<RunDoc> {
    const doc = await this.requireDoc(runId);
    if (doc.triggeredBy !== actor.userId) requireDeployer(actor, this.def(doc.pipeline), doc.env, 'cancel runs of');
    if (isTerminal(doc)) throw new InvalidStateError(`Run ${runId} already ${doc.status}; nothing to cancel.`);
    const now = this.ctx.clock.now();
    const after = await this.repo.update(runId, (d) => {
      if (isTerminal(d)) return ABORT;
      const cancelRequested = d.cancelRequested ?? { by: actor.userId, at: now };
      if (d.status === 'queued')
        return {
          ...d,
          cancelRequested,
          status: 'cancelled',
          finishedAt: now,
          reason: `cancelled by ${mention(actor.userId)} while queued`,
        };
      return { ...d, cancelRequested };
    });
    if (!after) throw new NotFoundError('run', runId);
    await this.announce.thread(after, 'cancel', `:no_entry_sign: ${mention(actor.userId)} cancelled the run.`);
    if (after.status === 'cancelled') await this.orch.finalize(after);
    else {
      this.executor.interruptLocal(runId);
      await this.orch.advance(runId);
    }
    return (await this.repo.get(runId)) ?? after;
  }

  /** A new run with the same parameters, re-running `from` (default: the first stage that did not succeed) and what follows it. */
  async retry(runId: string, actor: Actor, channel: string, from: string | undefined, requestKey: string | undefined): Promise<RunInfo> {
    const old = await this.requireDoc(runId);
    if (!isTerminal(old)) throw new InvalidStateError(`Run ${runId} is still ${old.status}; cancel it first or wait for it to end.`);
    const def = this.def(old.pipeline);
    const start = from ?? old.stages.find((s) => s.status === 'failed' || s.status === 'cancelled')?.id;
    if (!start)
      throw new UsageError(`Run ${runId} ${old.status} with nothing failed; say where to start with \`--from <stage>\`.`, [
        `Stages: ${def.stages.map((s) => s.id).join(', ')}`,
      ]);
    if (!def.stages.some((s) => s.id === start))
      throw new NotFoundError(
        `stage of ${def.name}`,
        start,
        def.stages.map((s) => s.id),
      );
    const rerun = downstreamOf(def, start);
    const reuse = new Set(old.stages.filter((s) => !rerun.has(s.id) && satisfies(s) && s.skip !== 'not-for-env').map((s) => s.id));
    // Plan links made with --plan travel as the `plan` param the file does not declare.
    const { plan, ...declared } = old.params;
    const params = plan !== undefined && Object.hasOwn(def.params, 'plan') ? old.params : declared;
    const linked = plan !== undefined && !Object.hasOwn(def.params, 'plan') ? { plan } : {};
    // A retry after the incident was resolved is no longer its fix: the link is dropped, not refused.
    const fix = old.fixIncident ? await servicesOf(this.ctx).maybe('incidents')?.get(old.fixIncident) : null;
    return this.start(
      {
        pipeline: old.pipeline,
        env: old.env,
        ref: old.ref,
        params,
        actor,
        channel,
        ...(fix && fix.status !== 'resolved' ? { fixIncident: fix.id } : {}),
        ...(requestKey ? { requestKey } : {}),
      },
      { retryOf: runId, reuse, ...linked },
    );
  }

  async resolveWaitingStage(runId: string, stageId: string, decided: StageOutcomeDone): Promise<void> {
    const outcome = await this.orch.guardApproval(runId, stageId, decided);
    const now = this.ctx.clock.now();
    const res = {
      status: outcome.status,
      ...(outcome.summary ? { summary: outcome.summary } : {}),
      ...(outcome.link ? { link: outcome.link } : {}),
      ...(outcome.details ? { details: outcome.details } : {}),
    };
    const after = await this.repo.update(runId, (d) => {
      const i = d.stages.findIndex((s) => s.id === stageId);
      const s = d.stages[i];
      if (!s || isTerminal(d)) return ABORT;
      const stages = [...d.stages];
      if (s.status === 'waiting') stages[i] = { ...s, ...res, finishedAt: now };
      else if (s.status === 'running' && !s.resolution) stages[i] = { ...s, resolution: res };
      else return ABORT;
      return { ...d, stages };
    });
    if (!after) throw new NotFoundError('run', runId);
    await this.orch.advance(runId);
  }

  async noteOnRun(runId: string, text: string): Promise<void> {
    const doc = await this.requireDoc(runId);
    const n = await this.repo.nextNote(runId);
    await this.announce.thread(doc, `note-${n}`, text);
  }

  logs(runId: string, stageId: string, lines: number): Promise<string[]> {
    return this.repo.log(runId, stageId, lines);
  }

  queuedRuns(service: string, env: string): Promise<string[]> {
    return this.lock.queued(service, env);
  }
}
