import { z } from 'zod';
import { ConfigError, UpstreamError } from '../../../core/errors.js';
import type { PlanSummary, RunInfo, StageContext, StageKind, StageOutcomeDone } from '../../contracts.js';
import { builtin, permanentIfRefused, sleep, stringMap, type BuiltinStageContext } from './common.js';
import type { ChangeSetChange, ChangeSetState, CloudFormationApi } from './cloudformation-api.js';
import { planLine, summariseChanges } from './terraform-plan.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const cloudformationSettings = z
  .object({
    stack: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a stack name (letters, digits, -)'),
    /** The template: an S3 (https) URL, or a file relative to the bot's working directory. */
    template_url: z.url().optional(),
    template_file: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/, 'a relative path')
      .refine((p) => !p.split('/').includes('..'), 'a path without ..')
      .optional(),
    /** Template parameters; `${{ inject.* }}` values go to AWS only. */
    parameters: z.record(z.string().regex(/^[A-Za-z0-9]+$/, 'a parameter name'), scalar).default({}),
    capabilities: z.array(z.enum(['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'])).default([]),
    change_set_type: z.enum(['CREATE', 'UPDATE']).default('UPDATE'),
    /** false: create the change set and summarise it. true: execute the change set an earlier stage created. */
    execute: z.boolean().default(false),
    /** Execute only: the stage that created the change set; default the run's latest for the same stack. */
    change_set_stage: z.string().optional(),
  })
  .strict()
  .refine((s) => s.execute || s.template_url || s.template_file, 'a change set needs template_url or template_file');
type CfnSettings = z.infer<typeof cloudformationSettings>;

const changeSetRecord = z.object({ stack: z.string(), changeSetId: z.string().optional(), noChanges: z.boolean().optional() });
const MAX_POLL_ERRORS = 5;

/** AWS answers a change set without changes with FAILED and this reason: nothing to do is not a failure. */
const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;

type Action = PlanSummary['changes'][number]['action'];

function actionOf(c: ChangeSetChange): Action {
  if (c.action === 'Add' || c.action === 'Import') return 'create';
  if (c.action === 'Remove') return 'delete';
  // Conditional replacement is shown as a replacement: an approver should see that it may happen.
  if (c.action === 'Modify' && (c.replacement === 'True' || c.replacement === 'Conditional')) return 'replace';
  return 'update';
}

function toSummary(stack: string, changes: ChangeSetChange[]): PlanSummary {
  const items = changes.map((c) => ({ action: actionOf(c), address: c.resourceType ? `${c.logicalId} (${c.resourceType})` : c.logicalId }));
  return summariseChanges('cloudformation', `stack ${stack}`, items);
}

/** Polls until `done` gives a value, tolerating a few transient errors in a row. */
async function poll<T>(ctx: BuiltinStageContext, pollMs: number, what: string, step: () => Promise<T | undefined>): Promise<T> {
  let errors = 0;
  for (;;) {
    try {
      const v = await step();
      errors = 0;
      if (v !== undefined) return v;
    } catch (err) {
      if ((err instanceof UpstreamError && !err.retryable) || ++errors >= MAX_POLL_ERRORS) throw permanentIfRefused(err);
      await ctx.log(`${what}: poll failed (${(err as Error).message}); trying again`);
    }
    await sleep(pollMs, ctx.signal);
  }
}

function changeSetOf(run: RunInfo, s: CfnSettings, selfId: string) {
  const done = run.stages.filter((st) => st.id !== selfId && st.status === 'succeeded' && st.kind === 'cloudformation');
  const chosen = s.change_set_stage
    ? done.find((st) => st.id === s.change_set_stage)
    : done.reverse().find((st) => changeSetRecord.safeParse(st.details?.cloudformation).data?.stack === s.stack);
  return chosen ? changeSetRecord.safeParse(chosen.details?.cloudformation).data : undefined;
}

const isFailure = (status: string) => /_FAILED$/.test(status) || /ROLLBACK_COMPLETE$/.test(status);
const isSuccess = (status: string) => /_COMPLETE$/.test(status) && !isFailure(status);

/**
 * `cloudformation`: one stage creates a change set and summarises it (the next approval gate shows
 * the summary); a later one executes that change set and follows the stack's events to
 * *_COMPLETE, *_FAILED or a rollback. A cancel or timeout during the update asks CloudFormation
 * to cancel it (CancelUpdateStack, which rolls it back).
 */
export function cloudformationKind(api: CloudFormationApi | undefined, o: { pollMs: number }): StageKind {
  const need = (): CloudFormationApi => {
    if (!api) throw permanentIfRefused(new ConfigError('cloudformation stages are not configured in this deployment (AWS_REGION)'));
    return api;
  };
  return {
    kind: 'cloudformation',
    settings: cloudformationSettings,
    attempts: 3,
    backoffMs: 2000,
    async run(ctx) {
      const s = cloudformationSettings.parse(ctx.settings);
      return s.execute ? execute(ctx, need(), s, o.pollMs) : createChangeSet(ctx, need(), s, o.pollMs);
    },
    async cancel(ctx) {
      const s = cloudformationSettings.parse(ctx.settings);
      const ck = builtin(ctx).checkpoint.get();
      if (!api || !s.execute || (ck?.executed !== true && ck?.executing !== true)) return;
      await api.cancelUpdate(s.stack);
      await ctx.log(`asked CloudFormation to cancel the update of ${s.stack} (it rolls back)`);
    },
  };
}

async function createChangeSet(ctx: StageContext, api: CloudFormationApi, s: CfnSettings, pollMs: number): Promise<StageOutcomeDone> {
  const b = builtin(ctx);
  const name = `switchyard-${ctx.run.id}-${ctx.stage.id}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 128);
  let id = b.checkpoint.get()?.changeSetId;
  if (typeof id !== 'string') {
    const created = await api
      .createChangeSet(
        {
          stack: s.stack,
          name,
          type: s.change_set_type,
          ...(s.template_url ? { templateUrl: s.template_url } : {}),
          ...(s.template_file ? { templateFile: s.template_file } : {}),
          parameters: stringMap(s.parameters),
          capabilities: s.capabilities,
          token: name,
        },
        ctx.signal,
      )
      .catch((err: unknown) => Promise.reject(permanentIfRefused(err)));
    id = created.id;
    await b.checkpoint.save({ changeSetId: id });
    await ctx.log(`change set ${name} requested for stack ${s.stack}`);
  }
  const changeSetId = id;
  const state = await poll<ChangeSetState>(b, pollMs, 'change set', async () => {
    const cs = await api.describeChangeSet(s.stack, changeSetId, ctx.signal);
    return cs.status === 'CREATE_COMPLETE' || cs.status === 'FAILED' || cs.status === 'DELETE_COMPLETE' ? cs : undefined;
  });
  if (state.status !== 'CREATE_COMPLETE') {
    if (state.statusReason && NO_CHANGES.test(state.statusReason)) {
      const summary = toSummary(s.stack, []);
      return {
        status: 'succeeded',
        summary: 'change set: no changes',
        details: { cloudformation: { stack: s.stack, noChanges: true }, planSummary: summary },
      };
    }
    return { status: 'failed', summary: `change set ${state.status}: ${state.statusReason ?? 'no reason given'}` };
  }
  const summary = toSummary(s.stack, state.changes);
  await ctx.log(`change set ready: ${planLine(summary)}`);
  return {
    status: 'succeeded',
    summary: `change set: ${planLine(summary)}`,
    details: { cloudformation: { stack: s.stack, changeSetId }, planSummary: summary },
  };
}

async function execute(ctx: StageContext, api: CloudFormationApi, s: CfnSettings, pollMs: number): Promise<StageOutcomeDone> {
  const b = builtin(ctx);
  const saved = changeSetOf(ctx.run, s, ctx.stage.id);
  if (!saved) return { status: 'failed', summary: `no change set of stack ${s.stack} in this run: nothing to execute` };
  if (saved.noChanges || !saved.changeSetId) return { status: 'succeeded', summary: 'the change set had no changes: nothing to execute' };
  const changeSetId = saved.changeSetId;
  const ck = b.checkpoint.get();
  if (ck?.executed !== true) {
    const cs = await api
      .describeChangeSet(s.stack, changeSetId, ctx.signal)
      .catch((err: unknown) => Promise.reject(permanentIfRefused(err)));
    if (cs.executionStatus === 'AVAILABLE') {
      // Marked first: a cancel arriving from here on cancels the update. The request token makes a
      // retried execute (an earlier attempt's answer was lost) the same execution.
      await b.checkpoint.save({ executing: true, at: Date.now() });
      await api.executeChangeSet(s.stack, changeSetId, `switchyard-${ctx.run.id}-${ctx.stage.id}`.slice(0, 64)).catch((err: unknown) => {
        throw permanentIfRefused(err);
      });
    } else if (ck?.executing !== true) {
      return { status: 'failed', summary: `the change set is ${cs.executionStatus ?? cs.status}, not AVAILABLE: refusing it; plan again` };
    }
    await b.checkpoint.save({ executed: true, at: Number(b.checkpoint.get()?.at ?? Date.now()) });
    await ctx.log(`executing the change set on stack ${s.stack}`);
  }
  const since = Number(b.checkpoint.get()?.at ?? 0) - 60_000;
  const seen = new Set<string>();
  const final = await poll(b, pollMs, 'stack', async () => {
    // The status first, then the events: every event up to a final status is logged before it ends the stage.
    const st = await api.stackStatus(s.stack, ctx.signal);
    if (!st) throw new UpstreamError('cloudformation', `stack ${s.stack} does not exist`, { retryable: false });
    const events = (await api.stackEvents(s.stack, ctx.signal)).filter((e) => e.at >= since && !seen.has(e.id)).reverse();
    for (const e of events) {
      seen.add(e.id);
      await ctx.log(`${e.logicalId} ${e.status}${e.reason ? `: ${e.reason}` : ''}`);
    }
    if (!isSuccess(st.status) && !isFailure(st.status)) return undefined;
    // A final status from before this execution (the stack has not started it yet) does not end the stage.
    const cs = await api.describeChangeSet(s.stack, changeSetId, ctx.signal);
    return cs.executionStatus === 'AVAILABLE' || cs.executionStatus === 'EXECUTE_IN_PROGRESS' ? undefined : st;
  });
  return {
    status: isSuccess(final.status) ? 'succeeded' : 'failed',
    summary: `stack ${s.stack} ${final.status}${final.reason ? `: ${final.reason}` : ''}`,
    details: { cloudformation: { ...saved, stackStatus: final.status } },
  };
}
