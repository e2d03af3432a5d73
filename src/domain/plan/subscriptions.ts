import { createHash } from 'node:crypto';
import { subscribe, type Subscription } from '../../core/events.js';
import type { Logger } from '../../core/ports/runtime.js';
import { EVENTS, type FindingBatch } from '../contracts.js';
import type { Services } from '../services.js';
import type { PlanConfig } from './config.js';
import { SYSTEM_ACTOR } from './iterations.js';
import { PRIORITIES, parseItemId, withHistory, type PlanItem, type PlanPriority } from './model.js';
import type { PlanRepo } from './repo.js';
import type { PlanService } from './service.js';

const SEVERITY_PRIORITY: Record<string, PlanPriority> = { SEV1: 'critical', SEV2: 'high', SEV3: 'medium', SEV4: 'low' };

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * Items move themselves where the links say so. Every handler is idempotent (events are delivered
 * at least once): shipping skips shipped items, created items carry a source key.
 */
export function planSubscriptions(deps: {
  plan: PlanService;
  repo: PlanRepo;
  services: Services;
  cfg: PlanConfig;
  log: Logger;
}): Subscription[] {
  const { plan, repo, services, cfg, log } = deps;

  /** A successful production run ships the items linked to it (or named in its `plan` parameter). */
  const runFinished = subscribe(EVENTS.runFinished, 'plan.ship-on-production-run', async (event) => {
    const e = event.data;
    if (e.status !== 'succeeded' || !plan.isProduction(e.env)) return;
    const ids = new Set(await plan.linkedItemIds('run', e.runId));
    const run = await services
      .maybe('pipelines')
      ?.getRun(e.runId)
      .catch(() => null);
    for (const word of (run?.params.plan ?? '').split(/[\s,]+/)) {
      const id = word ? parseItemId(word) : null;
      if (id) ids.add(id);
    }
    for (const id of ids) {
      const shipped = await plan.markShipped(
        id,
        { runId: e.runId, pipeline: e.pipeline, env: e.env, at: event.at },
        e.triggeredBy || SYSTEM_ACTOR,
      );
      if (!shipped) continue;
      // A courtesy note on the run's thread; the item is already marked, so a failure here must not retry it.
      await services
        .maybe('pipelines')
        ?.noteOnRun(e.runId, `:clipboard: Shipped plan item *${shipped.id}* ${shipped.title}`)
        .catch((err: Error) => log.warn({ err: err.message, runId: e.runId }, 'plan: note on run failed'));
    }
  });

  /** Each follow-up of a resolved incident becomes a follow-up item linked to the incident. */
  const incidentResolved = subscribe(EVENTS.incidentResolved, 'plan.incident-follow-ups', async (event) => {
    const e = event.data;
    const services_ = e.services;
    await repo.recordIncident({ id: e.incidentId, severity: e.severity, services: services_, resolvedAt: event.at });
    for (const followUp of e.followUps) {
      const title = followUp.replace(/\s+/g, ' ').trim().slice(0, 150);
      if (!title) continue;
      await plan.create({
        title,
        kind: 'follow-up',
        ...(services_[0] ? { service: services_[0] } : {}),
        createdBy: e.resolvedBy || SYSTEM_ACTOR,
        description: `Follow-up of incident ${e.incidentId} (${e.severity})${services_.length ? ` on ${services_.join(', ')}` : ''}.`,
        links: [`incident:${e.incidentId}`],
        priority: SEVERITY_PRIORITY[e.severity] ?? 'medium',
        sourceKey: `incident-${e.incidentId}-followup-${shortHash(title)}`,
      });
    }
  });

  /**
   * A scan batch (the new findings of one inspection on one service) becomes one bug item, kept in
   * step with its findings: the count and list follow what is still open, the item is done when
   * they are all fixed (dropped when all were accepted as risks) and back in the backlog if one
   * reopens. The event names the batch; its state is read now, so a late or repeated delivery
   * applies the current state, never an old one.
   */
  const findingsChanged = subscribe(EVENTS.findingsChanged, 'plan.finding-batches', async (event) => {
    const { scanId } = event.data;
    const findings = services.maybe('findings');
    if (!findings) return log.warn({ scanId }, 'plan: findings changed but no findings service is offered');
    const batch = await findings.batch(scanId);
    const tracked = batch?.findings.filter((f) => (cfg.findingSeverities as string[]).includes(f.severity)) ?? [];
    if (!batch || !tracked.length) return;
    const view = batchView(batch, tracked);
    const sourceKey = `findings-${batch.scanId}`;
    let id = await repo.sourceItemId(sourceKey);
    if (!id || !(await repo.getItem(id))) {
      if (!view.open) return; // closed before it was ever planned: nothing to track
      id = (
        await plan.create({
          title: view.title,
          kind: 'bug',
          service: batch.service,
          createdBy: view.actor,
          description: view.description,
          links: tracked.map((f) => `finding:${f.findingId}`),
          priority: view.priority,
          sourceKey,
        })
      ).id;
    }
    const iteration = view.open ? undefined : (await plan.iterations.current()).id;
    await repo.updateItem(id, (i) => followBatch(i, view, event.at, iteration));
  });

  /** A high or critical inspector finding becomes one bug item per finding fingerprint (publishers of single findings). */
  const findingOpened = subscribe(EVENTS.findingOpened, 'plan.findings', async (event) => {
    const e = event.data;
    const severity = e.severity.toLowerCase();
    if (!(cfg.findingSeverities as string[]).includes(severity)) return;
    await plan.create({
      title: `${e.inspector ? `[${e.inspector}] ` : ''}${e.title.trim() || `finding ${e.findingId}`}`.slice(0, 150),
      kind: 'bug',
      ...(e.service ? { service: e.service } : {}),
      createdBy: e.inspector ? `inspector ${e.inspector}` : SYSTEM_ACTOR,
      description: `Inspector finding ${e.findingId} (${severity}${e.env ? `, ${e.env}` : ''}).`,
      links: [`finding:${e.findingId}`],
      priority: (PRIORITIES as readonly string[]).includes(severity) ? (severity as PlanPriority) : 'high',
      sourceKey: `finding-${e.fingerprint}`,
    });
  });

  return [runFinished, incidentResolved, findingOpened, findingsChanged];
}

interface BatchView {
  actor: string;
  title: string;
  description: string;
  priority: PlanPriority;
  open: number;
  fixed: number;
  total: number;
}

const RANK = ['info', 'low', 'medium', 'high', 'critical'];

function batchView(b: FindingBatch, tracked: FindingBatch['findings']): BatchView {
  const open = tracked.filter((f) => f.state === 'open');
  const fixed = tracked.filter((f) => f.state === 'fixed').length;
  const basis = open.length ? open : tracked;
  const worst = basis.reduce((w, f) => (RANK.indexOf(f.severity) > RANK.indexOf(w) ? f.severity : w), 'low' as string);
  const counts = [...RANK]
    .reverse()
    .map((s) => [s, basis.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const one = tracked[0]!;
  // One finding: its own title, with the advisory id kept whole (two CVEs of a package must not look alike).
  const oneTitle = `[${b.inspector}] ${one.title
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, Math.max(20, 140 - b.inspector.length - one.ruleId.length))} (${one.ruleId.slice(0, 60)})`;
  const title =
    tracked.length === 1
      ? oneTitle
      : `[${b.inspector}] ${b.service} in ${b.env}: ` +
        `${open.length === tracked.length ? tracked.length : `${open.length} of ${tracked.length}`} ` +
        `findings${open.length ? ` open (${counts})` : ' closed'}`;
  const lines = tracked.map(
    (f) =>
      `• ${f.severity} ${f.ruleId} (${f.findingId}): ${f.title.replace(/\s+/g, ' ').slice(0, 120)}` +
      `${f.state === 'open' ? '' : ` [${f.state}]`}`,
  );
  const description = [
    `Inspector ${b.inspector} on ${b.service} in ${b.env} (scan ${b.scanId}): ${open.length} of ${tracked.length} open.`,
    ...lines,
  ]
    .join('\n')
    .slice(0, 2000);
  return {
    actor: `inspector ${b.inspector}`,
    title: title.replace(/\s+/g, ' ').slice(0, 150),
    description,
    priority: (PRIORITIES as readonly string[]).includes(worst) ? (worst as PlanPriority) : 'high',
    open: open.length,
    fixed,
    total: tracked.length,
  };
}

/** The item as the batch says it should be now; null when it already is. */
function followBatch(i: PlanItem, v: BatchView, at: number, iteration: string | undefined): PlanItem | null {
  const closedByUs = (i.state === 'done' || i.state === 'dropped') && i.history.at(-1)?.actor === v.actor;
  let next: PlanItem = { ...i, title: v.title, description: v.description, priority: i.state === 'backlog' ? v.priority : i.priority };
  let note = '';
  if (!v.open && i.state !== 'done' && i.state !== 'dropped') {
    const { dropReason: _r, ...rest } = next;
    next = v.fixed
      ? { ...rest, state: 'done', ...(iteration ? { iteration } : {}) }
      : { ...next, state: 'dropped', dropReason: `every finding was accepted as a risk (/inspect ack)` };
    note = v.fixed ? `closed: all ${v.total} finding(s) fixed or accepted` : `closed: all ${v.total} finding(s) accepted as risks`;
  } else if (v.open && closedByUs) {
    // Only an item the inspector closed is reopened; one a person closed stays as they left it.
    const { dropReason: _r, iteration: _it, ...rest } = next;
    next = { ...rest, state: 'backlog' };
    note = `reopened: ${v.open} of ${v.total} finding(s) open again`;
  } else if (v.title !== i.title) note = `findings: ${v.open} of ${v.total} open`;
  if (!note && next.description === i.description && next.priority === i.priority) return null;
  return { ...next, updatedAt: at, ...(note ? { history: withHistory(i, { at, actor: v.actor, text: note }) } : {}) };
}
