import { z } from 'zod';
import { escapeMrkdwn, mdMessage, mention, subteam } from '../../src/core/blocks.js';
import { arg, optional } from '../../src/core/commands/args.js';
import { defineCommand, sub, type CommandSpec } from '../../src/core/commands/spec.js';
import { stepKind, type RunbookDef } from '../../src/domain/runbooks/schema.js';
import type { RunbookService } from '../../src/domain/runbooks/service.js';
import { RUNBOOK_POLICY } from './policy.js';
import { instructionMrkdwn } from './render.js';

function whoMayRun(d: RunbookDef): string {
  return [...d.allow.roles.map((r) => `\`${r}\``), ...d.allow.groups.map((g) => subteam(g))].join(', ');
}

function stepSummary(d: RunbookDef): string[] {
  return d.steps.map((s, i) => {
    const k = stepKind(s);
    const what =
      k === 'manual'
        ? `manual${s.ask ? `, asks ${escapeMrkdwn(s.ask.label)}` : ''}`
        : k === 'automated'
          ? `${s.run!.kind}`
          : `pipeline ${escapeMrkdwn(s.pipeline!.name)}`;
    const extra = [s.confirm ? 'confirm' : '', s.when ? `if ${s.when.step} …` : '', s.continue_on_failure ? 'may fail' : ''].filter(
      Boolean,
    );
    return `${i + 1}. *${escapeMrkdwn(s.title)}* (\`${s.id}\`, ${what}${extra.length ? `, ${extra.join(', ')}` : ''})`;
  });
}

/** `/runbook`: list the runbooks of runbooks/*.yml, show one, run one step by step. */
export function runbookCommand(svc: RunbookService): CommandSpec {
  return defineCommand({
    name: 'runbook',
    description: 'Runbooks as code (runbooks/*.yml): list, show and run them step by step',
    subcommands: [
      sub({
        name: 'list',
        summary: 'Which runbooks exist, for one service or all',
        args: z.object({ service: z.string().max(40).optional().describe('only the runbooks for this service') }),
        permission: null,
        readOnly: true,
        async handle(args) {
          const all = svc.catalog.all().filter((r) => !args.service || r.def.services.includes(args.service));
          if (!all.length)
            return { text: args.service ? `No runbook is for service \`${escapeMrkdwn(args.service)}\`.` : 'No runbooks are defined.' };
          const lines = all.map(
            (r) =>
              `*${r.def.name}* — ${escapeMrkdwn(r.def.title)} · services: ${r.def.services.join(', ') || 'any'} · ` +
              `${r.def.steps.length} steps · who may run: ${whoMayRun(r.def)}`,
          );
          return mdMessage(`*Runbooks${args.service ? ` for ${escapeMrkdwn(args.service)}` : ''}*\n${lines.join('\n')}`);
        },
      }),
      sub({
        name: 'show',
        summary: 'A runbook: its steps, who may run it, its version and who last changed it',
        args: z.object({ name: z.string().max(40).describe('runbook name, see /runbook list') }),
        positionals: ['name'],
        permission: null,
        readOnly: true,
        async handle(args) {
          const rb = svc.catalog.require(args.name);
          const d = rb.def;
          const change = await svc.catalog.lastChange(d.name).catch(() => undefined);
          const lines = [
            `*${escapeMrkdwn(d.title)}* (\`${d.name}\`)`,
            ...(d.description ? [instructionMrkdwn(escapeMrkdwn(d.description))] : []),
            `services: ${d.services.join(', ') || 'any'} · alerts: ${d.alerts.join(', ') || 'none'}` +
              ` · keywords: ${d.keywords.join(', ') || 'none'}`,
            `who may run: ${whoMayRun(d)}`,
            `file \`${rb.file}\` · sha256 \`${rb.hash.slice(0, 12)}\`` +
              (change
                ? ` · last changed by ${escapeMrkdwn(change.author)} on ${change.at.slice(0, 10)} (\`${change.commit.slice(0, 12)}\`)`
                : ''),
            ...stepSummary(d),
            `Run it: \`/runbook run ${d.name}${d.default_env ? '' : ' [--env E]'} [--incident INC-n]\``,
          ];
          return mdMessage(lines.join('\n'));
        },
      }),
      sub({
        name: 'run',
        summary: 'Start a runbook run: one message in this channel, kept current, with the buttons of the current step',
        args: z.object({
          name: z.string().max(40).describe('runbook name, see /runbook list'),
          incident: optional(arg.incidentId('the incident this run is for (in its channel, that incident by default)')),
          env: z.string().max(40).optional().describe('environment of its automated and pipeline steps'),
        }),
        positionals: ['name'],
        permission: RUNBOOK_POLICY,
        examples: ['/runbook run noc-demo-health --env staging', '/runbook run communicate-outage --incident INC-4'],
        async handle(args, ctx) {
          const run = await svc.start({
            name: args.name,
            actor: ctx.actor,
            channel: ctx.channelId,
            ...(args.incident ? { incident: args.incident } : {}),
            ...(args.env ? { env: args.env } : {}),
          });
          ctx.note?.({
            target: run.id,
            detail: `${run.runbook} sha256 ${run.hash.slice(0, 12)}${run.incident ? ` for ${run.incident}` : ''}`,
          });
          return {
            text:
              `Started runbook *${run.runbook}* as ${run.id}${run.incident ? ` for ${run.incident}` : ''}` +
              ` by ${mention(ctx.actor.userId)}.`,
          };
        },
      }),
    ],
  });
}
