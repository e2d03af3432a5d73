import { z } from 'zod';
import { channelLink, escapeMrkdwn, mdMessage, mention } from '../../src/core/blocks.js';
import { arg, optional } from '../../src/core/commands/args.js';
import { defineCommand, policy, sub, type CommandSpec } from '../../src/core/commands/spec.js';
import { NotFoundError } from '../../src/core/errors.js';
import type { RunDoc } from '../../src/domain/pipelines/model.js';
import { envRole, parseParamWords } from '../../src/domain/pipelines/rules.js';
import { logBlock, safeMrkdwn } from '../../src/domain/pipelines/run-text.js';
import type { PipelineDef } from '../../src/domain/pipelines/schema.js';
import type { PipelineEngine } from '../../src/domain/pipelines/service.js';
import { formatDuration } from '../../src/core/time.js';
import { CANCEL_POLICY, cancelRun } from './actions.js';
import { deliverySubcommands, type DeliveryDeps } from './delivery-commands.js';
import { RUN_ICON, runDuration, stageLine } from './render.js';

// Who may run or retry depends on the pipeline and environment: the engine decides (rules.ts).
const RUN_POLICY = policy('the role its environment names in `/pipeline list` (anyone where it names none)');
const runId = arg.runId('run id, e.g. r42');

/** What `/pipeline list` says of an environment: its role, the refs it admits, its soak. */
function envRules(d: PipelineDef, env: string): string[] {
  const e = d.environments[env];
  const role = envRole(d, env);
  return [
    ...(role ? [`\`${role}\``] : []),
    ...(e?.refs ? [`refs ${e.refs.map((r) => `\`${r}\``).join(' ')}`] : []),
    ...(e?.soak ? [`soak ${formatDuration(e.soak.for)} in ${e.soak.in}`] : []),
  ];
}

/** `/pipeline`: list, run and follow pipelines defined in workflows/*.yml. */
export function pipelineCommand(engine: PipelineEngine, deps: DeliveryDeps): CommandSpec {
  const summaryLine = (d: RunDoc) =>
    `${RUN_ICON[d.status]} *${d.id}* ${d.pipeline} → ${d.env} \`${escapeMrkdwn(d.ref)}\` ${d.status} · ${mention(d.triggeredBy)}` +
    ` · ${new Date(d.createdAt).toISOString().slice(0, 16).replace('T', ' ')} · ${runDuration(d, deps.now())}`;
  return defineCommand({
    name: 'pipeline',
    description: 'Run pipelines defined in workflows/*.yml and follow them',
    subcommands: [
      sub({
        name: 'list',
        summary: 'What can run: pipelines, their environments, parameters and stages',
        args: z.object({}),
        permission: null,
        readOnly: true,
        async handle() {
          const names = engine.pipelineNames();
          if (!names.length) return { text: 'No pipelines are defined (workflows/*.yml).' };
          const parts = names.map((n) => {
            const d = engine.def(n);
            const envs = Object.keys(d.environments)
              .map((e) => {
                const rules = envRules(d, e);
                return rules.length ? `${e} (${rules.join('; ')})` : e;
              })
              .join(', ');
            const params = Object.entries(d.params).map(
              ([k, p]) =>
                `\`${k}\`${p.type !== 'string' ? `:${p.type}` : ''}${p.allowed ? ` one of ${p.allowed.join('|')}` : ''}` +
                `${p.default !== undefined ? ` = ${p.default}` : p.required ? ' (required)' : ''}`,
            );
            return [
              `*${d.name}* — ${escapeMrkdwn(d.description ?? d.service)} (service \`${d.service}\`, team ${channelLink(d.team_channel)})`,
              `  envs: ${envs} · default ref \`${d.default_ref}\`${params.length ? ` · params: ${params.join(', ')}` : ''}`,
              `  stages: ${d.stages.map((s) => `${s.id}${s.needs.length ? `←${s.needs.join('+')}` : ''} _${s.kind}_`).join(', ')}`,
            ].join('\n');
          });
          const text =
            `*Pipelines*\n${parts.join('\n')}\n` +
            `Run one: \`/pipeline run <name> --env <env> [--ref <ref>] [--param k=v] [--plan PLAN-7]\``;
          return mdMessage(text);
        },
      }),
      sub({
        name: 'run',
        summary: 'Start a pipeline run (queued behind a deploy in progress to the same service and environment)',
        args: z.object({
          name: z.string().describe('pipeline name, see /pipeline list'),
          env: z.string().optional().describe('target environment'),
          ref: z
            .string()
            .max(200)
            .optional()
            .describe('git ref (branch, tag or sha), checked by git check-ref-format rules; the pipeline default when left out'),
          param: z.array(z.string()).default([]).describe('parameter name=value (repeatable)'),
          noQueue: z.boolean().default(false).describe('refuse instead of queueing when a deploy holds the lock'),
          fix: z.string().max(40).optional().describe('open incident this run ships a fix for, e.g. INC-12 (passes its deploy freeze)'),
          plan: z
            .string()
            .max(200)
            .optional()
            .describe('plan item(s) this run ships, e.g. PLAN-7 or PLAN-7,PLAN-9 (marked shipped when it succeeds in production)'),
          override: z
            .string()
            .min(5)
            .max(300)
            .optional()
            .describe('admin only: reason to pass an overridable guard such as a change freeze'),
        }),
        positionals: ['name'],
        placeholders: { param: 'k=v', fix: 'incident-id', plan: 'plan-item', override: 'reason' },
        permission: RUN_POLICY,
        examples: [
          '/pipeline run checkout-deploy --env staging --ref main',
          '/pipeline run payments-release --env production --param version=1.4.2',
          '/pipeline run checkout-deploy --env production --ref v2.1.0 --plan PLAN-7',
        ],
        async handle(args, ctx) {
          const run = await engine.start(
            {
              pipeline: args.name,
              env: args.env ?? '',
              actor: ctx.actor,
              channel: ctx.channelId,
              params: parseParamWords(args.param),
              noQueue: args.noQueue,
              ...(args.ref !== undefined ? { ref: args.ref } : {}),
              ...(args.fix ? { fixIncident: args.fix } : {}),
              ...(args.override ? { overrideReason: args.override } : {}),
              ...(ctx.triggerId ? { requestKey: ctx.triggerId } : {}),
            },
            args.plan !== undefined ? { plan: args.plan } : {},
          );
          ctx.note?.({
            target: run.id,
            detail: `${run.pipeline} to ${run.env}, ref ${run.ref}${run.status === 'queued' ? ', queued' : ''}`.slice(0, 200),
          });
          const doc = await engine.getDoc(run.id);
          const text =
            run.status === 'queued'
              ? `:double_vertical_bar: Run *${run.id}* of ${run.pipeline} to ${run.env}` +
                ` is queued behind run *${doc?.queuedBehind ?? '?'}* (one deployment at a time to ${run.service}/${run.env}).` +
                ` It starts when that one ends.`
              : `:rocket: Started run *${run.id}* of ${run.pipeline} to ${run.env} (ref \`${escapeMrkdwn(run.ref)}\`).` +
                ` Follow it in this channel; \`/pipeline status ${run.id}\` any time.`;
          return mdMessage(text);
        },
      }),
      sub({
        name: 'status',
        summary: 'A run stage by stage, or the runs in progress',
        args: z.object({ run: optional(runId) }),
        positionals: ['run'],
        permission: null,
        readOnly: true,
        async handle(args) {
          if (args.run) {
            const d = await engine.requireDoc(args.run);
            const queue = d.status === 'queued' && d.queuedBehind ? `\nQueued behind *${d.queuedBehind}*.` : '';
            const text =
              `${summaryLine(d)}${queue}\n${d.stages.map((s) => stageLine(s, deps.now())).join('\n')}` +
              `${d.reason ? `\n_${safeMrkdwn(d.reason)}_` : ''}`;
            return mdMessage(text);
          }
          const active = await engine.activeDocs();
          const text = active.length
            ? `*Runs in progress*\n${active.map(summaryLine).join('\n')}`
            : 'No run is in progress. `/pipeline history` shows past runs.';
          return mdMessage(text);
        },
      }),
      sub({
        name: 'logs',
        summary: "A stage's log (the failed or latest stage when none is named)",
        args: z.object({
          run: runId,
          stage: z.string().optional().describe('stage id'),
          lines: z.coerce.number().int().min(1).max(500).default(60).describe('last n lines'),
        }),
        positionals: ['run', 'stage'],
        permission: null,
        readOnly: true,
        async handle(args) {
          const d = await engine.requireDoc(args.run);
          const ran = d.stages.filter((s) => s.startedAt);
          const stage = args.stage
            ? d.stages.find((s) => s.id === args.stage)
            : (d.stages.find((s) => s.status === 'failed' && s.startedAt) ??
              ran.sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0))[0]);
          if (args.stage && !stage)
            throw new NotFoundError(
              `stage of run ${d.id}`,
              args.stage,
              d.stages.map((s) => s.id),
            );
          if (!stage) return { text: `Run ${d.id} has not started a stage yet.` };
          const lines = await engine.logs(d.id, stage.id, args.lines);
          const text = `*${d.id}* · *${stage.id}* (${stage.kind}, ${stage.status}) — last ${lines.length} lines\n${logBlock(lines)}`;
          return mdMessage(text);
        },
      }),
      sub({
        name: 'cancel',
        summary: 'Cancel a run: stops polling, cancels the remote job where the backend allows, frees the deploy lock',
        args: z.object({ run: runId }),
        positionals: ['run'],
        permission: CANCEL_POLICY,
        handle(args, ctx) {
          ctx.note?.({ target: args.run });
          return cancelRun(engine, args.run, ctx.actor);
        },
      }),
      sub({
        name: 'retry',
        summary: 'Run a finished run again from a stage (default: the first that did not succeed), keeping what succeeded before it',
        args: z.object({ run: runId, from: z.string().optional().describe('stage to start from') }),
        positionals: ['run'],
        placeholders: { from: 'stage' },
        permission: RUN_POLICY,
        async handle(args, ctx) {
          const run = await engine.retry(args.run, ctx.actor, ctx.channelId, args.from, ctx.triggerId);
          ctx.note?.({
            target: run.id,
            detail: `retry of ${args.run}${args.from ? ` from ${args.from}` : ''}: ${run.pipeline} to ${run.env}, ref ${run.ref}`.slice(
              0,
              200,
            ),
          });
          const from = args.from ? ` from *${args.from}*` : '';
          return {
            text:
              `:repeat: Run *${run.id}* retries ${args.run}${from}` +
              `${run.status === 'queued' ? ' (queued behind the deploy in progress)' : ''}.`,
          };
        },
      }),
      sub({
        name: 'history',
        summary: 'Past runs, newest first',
        args: z.object({
          name: z.string().optional().describe('pipeline name'),
          env: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(50).default(15),
        }),
        positionals: ['name'],
        permission: null,
        readOnly: true,
        async handle(args) {
          if (args.name) engine.def(args.name);
          const runs = await engine.recentDocs({
            ...(args.name ? { pipeline: args.name } : {}),
            ...(args.env ? { env: args.env } : {}),
            limit: args.limit,
          });
          if (!runs.length) return { text: `No runs${args.name ? ` of ${args.name}` : ''}${args.env ? ` to ${args.env}` : ''} yet.` };
          const text =
            `*History${args.name ? ` of ${args.name}` : ''}${args.env ? ` to ${args.env}` : ''}*\n` + `${runs.map(summaryLine).join('\n')}`;
          return mdMessage(text);
        },
      }),
      ...deliverySubcommands(engine, deps),
    ],
  });
}
