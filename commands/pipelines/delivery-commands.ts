import { z } from 'zod';
import { escapeMrkdwn, mdMessage, mention } from '../../src/core/blocks.js';
import { arg, optional } from '../../src/core/commands/args.js';
import { policy, sub, type SubcommandSpec } from '../../src/core/commands/spec.js';
import type { HomeService } from '../../src/core/home.js';
import { liveEntries } from '../../src/domain/pipelines/live.js';
import type { ManualLocks } from '../../src/domain/pipelines/manual-lock.js';
import { promoteRun } from '../../src/domain/pipelines/promote.js';
import { parseParamWords } from '../../src/domain/pipelines/rules.js';
import type { PipelineEngine } from '../../src/domain/pipelines/service.js';
import { renderLive } from './live-view.js';

export interface DeliveryDeps {
  now(): number;
  locks: ManualLocks;
  home: Pick<HomeService, 'refresh'>;
  /** Posts a line (mrkdwn the bot wrote) to a channel or a person's DM, once per key (the outbox). */
  tell(channel: string, key: string, text: string): Promise<void>;
}

const name = (what: string) =>
  z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}$/, `${what}: a name from the pipeline files`)
    .describe(what);
const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** `/pipeline promote`, `lock`, `unlock` and `live`: delivering what staging tested, and seeing what runs where. */
export function deliverySubcommands(engine: PipelineEngine, d: DeliveryDeps): SubcommandSpec[] {
  const refreshHome = async (...users: string[]) => {
    for (const u of new Set(users)) await d.home.refresh(u).catch(() => undefined);
  };
  // The owning teams hear of a lock and its end in their channels, as they hear of runs.
  const tellTeams = async (service: string, key: string, text: string) => {
    const channels = new Set(
      engine
        .pipelineNames()
        .map((n) => engine.def(n))
        .filter((p) => p.service === service)
        .map((p) => p.team_channel),
    );
    for (const c of channels) await d.tell(c, key, text);
  };
  return [
    sub({
      name: 'promote',
      summary: "Deploy what a run deployed (its ref and build) to another environment, skipping the file's build stages",
      args: z.object({
        run: arg.runId('the run to promote, e.g. r42 (it must have succeeded)'),
        to: z.string().describe('target environment'),
        param: z.array(z.string()).default([]).describe('parameter name=value for the target (not the build param)'),
      }),
      positionals: ['run'],
      placeholders: { to: 'env', param: 'k=v' },
      // The engine checks the target environment's role, its ref and soak rules, and the guards.
      permission: policy('the role the target environment names in `/pipeline list`'),
      examples: ['/pipeline promote r42 --to production'],
      async handle(args, ctx) {
        const run = await promoteRun(engine, {
          runId: args.run,
          to: args.to,
          actor: ctx.actor,
          channel: ctx.channelId,
          params: parseParamWords(args.param),
          ...(ctx.triggerId ? { requestKey: ctx.triggerId } : {}),
        });
        ctx.note?.({ target: run.id, detail: `promotion of ${args.run} to ${run.env}, ref ${run.ref}`.slice(0, 200) });
        const queued = run.status === 'queued' ? ' It is queued behind the deploy in progress.' : '';
        return mdMessage(
          `:rocket: Run *${run.id}* promotes ${args.run} to ${run.env} (ref \`${escapeMrkdwn(run.ref)}\`, build stages skipped).${queued}`,
        );
      },
    }),
    sub({
      name: 'lock',
      summary: 'Lock a service in an environment: every run to it is refused until it is unlocked',
      args: z.object({
        service: name('service'),
        env: name('environment'),
        reason: z.array(z.string()).min(1).describe('why (shown on every refused run and on the App Home)'),
      }),
      positionals: ['service', 'env', 'reason'],
      permission: 'deployer',
      examples: ['/pipeline lock checkout production "investigating the payment errors"'],
      async handle(args, ctx) {
        const reason = args.reason.join(' ').slice(0, 300);
        const l = await d.locks.lock(args.service, args.env, reason, ctx.actor, d.now());
        ctx.note?.({ target: `${l.service}/${l.env}`, detail: `locked: ${reason}`.slice(0, 200) });
        await refreshHome(ctx.actor.userId);
        const said = `"${escapeMrkdwn(reason)}"`;
        await tellTeams(l.service, `lock-${l.service}-${l.env}-${l.at}`, `:lock: ${mention(l.by)} locked ${l.service}/${l.env}: ${said}`);
        return mdMessage(`:lock: ${l.service}/${l.env} is locked: no run deploys there until \`/pipeline unlock ${l.service} ${l.env}\`.`);
      },
    }),
    sub({
      name: 'unlock',
      summary: 'Unlock a service in an environment (yours; an admin may break another\'s with --force "reason")',
      args: z.object({
        service: name('service'),
        env: name('environment'),
        force: optional(z.string().min(5).max(300).describe("admin only: why another person's lock is broken (audited)")),
      }),
      positionals: ['service', 'env'],
      placeholders: { force: 'reason' },
      permission: 'deployer',
      examples: ['/pipeline unlock checkout production'],
      async handle(args, ctx) {
        const was = await d.locks.unlock(args.service, args.env, ctx.actor, args.force);
        const broke = was.by !== ctx.actor.userId;
        ctx.note?.({
          target: `${was.service}/${was.env}`,
          detail: (broke ? `broke ${was.by}'s lock (${was.reason}); reason: ${args.force ?? ''}` : 'unlocked').slice(0, 200),
        });
        await refreshHome(ctx.actor.userId, was.by);
        const key = `unlock-${was.service}-${was.env}-${was.at}`;
        const said = `"${escapeMrkdwn(args.force ?? '')}"`;
        const why = broke ? ` (broke ${mention(was.by)}'s lock: ${said})` : '';
        await tellTeams(was.service, key, `:unlock: ${mention(ctx.actor.userId)} unlocked ${was.service}/${was.env}${why}`);
        if (broke) {
          await d.tell(was.by, `${key}-dm`, `:unlock: ${mention(ctx.actor.userId)} broke your lock on ${was.service}/${was.env}: ${said}.`);
        }
        const whose = broke ? ` (locked by ${mention(was.by)} since ${when(was.at)})` : '';
        return mdMessage(`:unlock: ${was.service}/${was.env} is unlocked${whose}: runs may deploy there again.`);
      },
    }),
    sub({
      name: 'live',
      summary: 'What is live where: the ref each environment runs, when and by whom, with a Roll back button',
      args: z.object({ service: optional(name('service')) }),
      positionals: ['service'],
      permission: null,
      readOnly: true,
      examples: ['/pipeline live', '/pipeline live checkout'],
      async handle(args) {
        const entries = await liveEntries(engine, args.service);
        return renderLive(entries, await d.locks.list(), d.now(), args.service);
      },
    }),
  ];
}
