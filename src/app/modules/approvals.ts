import { join } from 'node:path';
import { z } from 'zod';
import { formatZodIssues, loadYamlFile } from '../../core/config/yaml-file.js';
import type { AppContext, Module, ModuleFactory } from '../../core/module.js';
import { EVENTS, type ApproverCheck, type StageKind } from '../../domain/contracts.js';
import { DEPLOY_GUARDS, servicesOf, STAGE_KINDS } from '../../domain/services.js';
import { Decisions } from '../../domain/approvals/decisions.js';
import { freezeGuard, freezeQueries } from '../../domain/approvals/freeze-guard.js';
import { GateStore, isPlainUrl, JOB_EXPIRE, JOB_REMIND, JOB_SETTLE, settleJobId } from '../../domain/approvals/gates.js';
import { approvalsFileSchema, checkEligibility, type ApprovalsFile } from '../../domain/approvals/policy.js';
import { maskSecrets } from '../../core/mask.js';
import { approvalActions } from '../../../commands/approvals/actions.js';
import { approvalsSubcommand } from '../../../commands/approvals/commands.js';
import { approvalsHome } from '../../../commands/approvals/home.js';
import { gatePresenter } from '../../../commands/approvals/render.js';
import { approvalViews } from '../../../commands/approvals/views.js';

/**
 * Deployment approvals: the `approval` stage kind (a gate with Approve / Reject buttons in the
 * run thread, the environment's approval channel and each approver's DMs), its timers, the
 * change-freeze deploy guard, and the `freezes` and `approvers` services.
 */
export interface ApprovalsOptions {
  /** The policy file; defaults to `<configDir>/approvals.yml`. */
  policyFile?: string;
}

const isPlaceholder = (v: string): boolean => v.includes('${{');

/**
 * `with:` of an approval stage. Exported so a workflow checker can validate with the policy names
 * of an approvals.yml; placeholders (`${{ params.policy }}`) are checked when the stage runs.
 */
export function approvalStageSettings(policyNames: readonly string[]) {
  return z
    .object({
      /** A named policy from approvals.yml instead of the environment's. */
      policy: z
        .string()
        .refine((p) => isPlaceholder(p) || policyNames.includes(p), {
          message: `unknown approval policy (approvals.yml names: ${policyNames.join(', ') || 'none'})`,
        })
        .optional(),
      /** What is being shipped, shown to approvers (e.g. `${{ params.changelog }}`). */
      changes: z.string().max(1500).optional(),
      /** A link to the changes (compare view, release notes). */
      link: z
        .string()
        .max(500)
        .refine((v) => isPlaceholder(v) || isPlainUrl(v), 'an http(s) URL without spaces, <, > or |')
        .optional(),
    })
    .strict();
}

function approvalStageKind(file: ApprovalsFile, gates: GateStore, decisions: Decisions): StageKind {
  const settings = approvalStageSettings(Object.keys(file.policies));
  return {
    kind: 'approval',
    settings,
    attempts: 5,
    backoffMs: 1000,
    async run(sc) {
      const parsed = settings.safeParse(sc.settings);
      // Reached only when a placeholder resolved to something invalid: fail once, saying what.
      if (!parsed.success)
        return { status: 'failed', summary: `Invalid approval settings: ${formatZodIssues(parsed.error.issues).join('; ')}` };
      return gates.open(sc, withoutSecrets(parsed.data, sc.secrets));
    },
    cancel: (sc) => decisions.cancelRun(sc.run.id),
  };
}

/**
 * The request is stored on the gate and posted to channels and DMs: an injected secret in
 * `changes` is masked, and a link carrying one is left out (a masked link would not open).
 */
function withoutSecrets(settings: { policy?: string; changes?: string; link?: string }, secrets: ReadonlySet<string>) {
  const found = [...secrets].filter((x) => x.length > 0);
  if (!found.length) return settings;
  const { link, changes, ...rest } = settings;
  // A link carrying any form of a secret (its URL-encoded form too) is left out.
  const leaks = (url: string) => maskSecrets(url, found) !== url;
  return {
    ...rest,
    ...(changes !== undefined ? { changes: maskSecrets(changes, found) } : {}),
    ...(link !== undefined && !leaks(link) ? { link } : {}),
  };
}

function approverCheck(ctx: AppContext, gates: GateStore): ApproverCheck {
  return {
    async eligible(actor, run) {
      const stage = servicesOf(ctx)
        .maybe('pipelines')
        ?.definition(run.pipeline)
        ?.stages.find((s) => s.kind === 'approval');
      const named = typeof stage?.with.policy === 'string' && !isPlaceholder(stage.with.policy) ? stage.with.policy : undefined;
      const policy = await gates.policyForRun(run, named);
      if (!policy) return { ok: false, rule: `no-approval-policy (environment ${run.env} has none in approvals.yml)` };
      const e = await checkEligibility(policy, actor, run.triggeredBy, gates.groupMembers);
      return e.ok ? { ok: true } : { ok: false, rule: e.rule };
    },
  };
}

export function createApprovalsModule(ctx: AppContext, o: ApprovalsOptions = {}): Module {
  const file = loadYamlFile(o.policyFile ?? join(ctx.configDir, 'approvals.yml'), approvalsFileSchema);
  const gates = new GateStore(ctx, file, gatePresenter);
  const decisions = new Decisions(ctx, gates, gatePresenter);
  const services = servicesOf(ctx);
  services.add(STAGE_KINDS, approvalStageKind(file, gates, decisions));
  services.add(DEPLOY_GUARDS, freezeGuard(ctx, file));
  services.provide('freezes', freezeQueries(file));
  services.provide('approvers', approverCheck(ctx, gates));
  const gateId = (data: Record<string, unknown>) => String(data.gateId);

  return {
    name: 'approvals',
    actions: approvalActions(ctx, gates, decisions),
    views: approvalViews(decisions),
    extendCommands: [{ command: 'pipeline', subcommand: approvalsSubcommand(gates) }],
    home: [approvalsHome(ctx, gates)],
    enqueues: [JOB_EXPIRE, JOB_REMIND, JOB_SETTLE],
    jobs: [
      { name: JOB_EXPIRE, attempts: 8, backoffMs: 500, process: (d) => decisions.expire(gateId(d)) },
      { name: JOB_REMIND, attempts: 3, backoffMs: 500, process: (d) => decisions.remind(gateId(d), Number(d.beforeMs)) },
      { name: JOB_SETTLE, attempts: 10, backoffMs: 500, process: (d) => decisions.settle(gateId(d)) },
    ],
    subscriptions: [
      // Backstop for a run that ended while its gate was open (cancelled, failed elsewhere).
      { name: 'approvals.close-on-run-end', type: EVENTS.runFinished, handle: (e) => decisions.cancelRun(String(e.data.runId)) },
    ],
    // After a restart: re-arm timers of open gates (ids make this a no-op when they survived) and
    // finish decisions a stopped worker left half done.
    async startWorker() {
      for (const g of await gates.unsettled()) {
        if (g.status === 'pending') await gates.startTimers(g);
        else await ctx.jobs.enqueue(JOB_SETTLE, { gateId: g.id }, { id: settleJobId(g.id) });
      }
    },
  };
}

export function approvalsModuleWith(o: ApprovalsOptions = {}): ModuleFactory {
  return (ctx) => createApprovalsModule(ctx, o);
}
