import { z } from 'zod';
import { channelLink, escapeMrkdwn, mdMessage, mention } from '../../src/core/blocks.js';
import { arg, optional } from '../../src/core/commands/args.js';
import { anyone, defineCommand, sub, type CommandSpec } from '../../src/core/commands/spec.js';
import { ITEM_POLICY, ITERATION_POLICY } from '../../src/domain/plan/authorize.js';
import { NotFoundError, UsageError } from '../../src/core/errors.js';
import type { ChatDirectory, ChatMessages } from '../../src/core/ports/chat.js';
import type { Clock } from '../../src/core/ports/runtime.js';
import type { PlanAnnouncer } from '../../src/domain/plan/announce.js';
import { alreadyClosed, closeIteration, type CloseDeps } from '../../src/domain/plan/closing.js';
import { iterationLine, renderItem, renderList } from './render.js';
import { STATES, parseKind, parsePriority, parseService, parseState, type PlanState } from '../../src/domain/plan/model.js';
import type { PlanService } from '../../src/domain/plan/service.js';

export interface PlanCommandDeps extends CloseDeps {
  plan: PlanService;
  chat: ChatMessages & ChatDirectory;
  clock: Clock;
  announce: PlanAnnouncer;
}

/** " (posted in #team)" when the change went to another channel than the one typed in. */
const shownIn = (channel: string, typedIn: string): string => (channel === typedIn ? '' : ` Posted in ${channelLink(channel)}.`);

const OPEN_STATES: ReadonlySet<PlanState> = new Set(['backlog', 'next', 'doing']);

/**
 * `/plan`: items and iterations from chat. Anyone may add items; changing one is for its owner, its
 * service's team or `planner`, and iterations for `planner` (src/domain/plan/authorize.ts). Changes
 * are posted for the team to see (src/domain/plan/announce.ts); every use is audited.
 */
export function planCommand(deps: PlanCommandDeps): CommandSpec {
  const { plan } = deps;

  /** A user id (arg.user() read the mention), checked against the workspace. */
  async function user(id: string): Promise<string> {
    if (!(await deps.chat.userInfo(id))) throw new NotFoundError('user', id);
    return id;
  }

  return defineCommand({
    name: 'plan',
    description: 'Track planned work (PLAN-<n> items) and short iterations',
    defaultSubcommand: 'list',
    subcommands: [
      sub({
        name: 'add',
        summary: 'Add an item (to the backlog, or to this iteration with --next)',
        args: z.object({
          title: z.array(z.string()).min(1).describe('what to do; quote it or not'),
          service: z.string().optional().describe('the service it concerns'),
          kind: z.string().default('feature').describe('feature, bug, chore or follow-up'),
          owner: optional(arg.user('who does it (default: you)')),
          priority: z.string().default('medium').describe('low, medium, high or critical'),
          next: z.boolean().default(false).describe('plan it for this iteration (state next)'),
        }),
        positionals: ['title'],
        placeholders: { service: 'service', kind: 'kind', owner: '@user', priority: 'priority' },
        permission: anyone('every member may add an item'),
        examples: ['/plan add "Retry webhooks on 502" --service checkout --kind bug --next'],
        async handle(args, ctx) {
          const kind = parseKind(args.kind);
          const priority = parsePriority(args.priority);
          const service = args.service ? parseService(args.service) : undefined;
          const owner = args.owner ? await user(args.owner) : ctx.actor.userId;
          const item = await plan.create(
            { title: args.title.join(' '), kind, priority, owner, createdBy: ctx.actor.userId, ...(service ? { service } : {}) },
            { state: args.next ? 'next' : 'backlog' },
          );
          const line =
            `*${item.id}* ${escapeMrkdwn(item.title)} — ${item.kind} · ${item.state}` +
            `${item.service ? ` · \`${item.service}\`` : ''} · ${mention(owner)}`;
          ctx.note?.({ target: item.id, detail: `created in ${item.state}${item.service ? ` for ${item.service}` : ''}` });
          const where = await deps.announce.changed(item, ctx.channelId, ctx.actor.userId, `:clipboard: New plan item ${line}`);
          await deps.announce.assigned(item, owner, ctx.actor.userId);
          return mdMessage(`:clipboard: Created ${line}${shownIn(where, ctx.channelId)}`);
        },
      }),
      sub({
        name: 'list',
        summary: 'List items (open ones unless --state says otherwise)',
        args: z.object({
          mine: z.boolean().default(false).describe('only items you own'),
          service: z.string().optional().describe('only this service'),
          state: z
            .string()
            .optional()
            .describe(`one of ${STATES.join(', ')}, or all`),
          iteration: z.string().optional().describe('`current` or an iteration name'),
        }),
        placeholders: { service: 'service', state: 'state', iteration: 'iteration' },
        permission: null,
        readOnly: true,
        async handle(args, ctx) {
          const states =
            args.state === undefined
              ? args.iteration
                ? undefined
                : OPEN_STATES
              : args.state.toLowerCase() === 'all'
                ? undefined
                : new Set([parseState(args.state)]);
          const iteration = args.iteration ? await plan.iterations.find(args.iteration) : undefined;
          const service = args.service ? parseService(args.service) : undefined;
          const items = await plan.list({
            ...(args.mine ? { owner: ctx.actor.userId } : {}),
            ...(service ? { service } : {}),
            ...(states ? { states } : {}),
            ...(iteration ? { iteration: iteration.id } : {}),
          });
          const scope = [
            args.mine ? 'yours' : '',
            service ? `service ${service}` : '',
            states ? [...states].join('/') : 'all states',
            iteration ? `in ${iteration.name}` : '',
          ].filter(Boolean);
          return renderList(
            items.sort((a, b) => a.seq - b.seq),
            `Plan items (${scope.join(', ')})`,
          );
        },
      }),
      sub({
        name: 'show',
        summary: 'Show one item with its links and recent history',
        args: z.object({ id: z.string().describe('e.g. PLAN-42') }),
        positionals: ['id'],
        permission: null,
        readOnly: true,
        async handle(args) {
          const item = await plan.get(args.id);
          const it = item.iteration ? await plan.iterations.find(item.iteration).catch(() => null) : null;
          return renderItem(item, it?.name);
        },
      }),
      sub({
        name: 'move',
        summary: `Move an item to another state (${STATES.filter((s) => s !== 'dropped').join(', ')})`,
        args: z.object({ id: z.string(), state: z.string() }),
        positionals: ['id', 'state'],
        permission: ITEM_POLICY,
        async handle(args, ctx) {
          const state = parseState(args.state);
          const item = await plan.move(args.id, state, ctx.actor);
          const text = `:arrow_right: *${item.id}* ${escapeMrkdwn(item.title)} is now *${item.state}*.`;
          ctx.note?.({ target: item.id, detail: `moved to ${item.state}` });
          const where = await deps.announce.changed(item, ctx.channelId, ctx.actor.userId, text);
          return mdMessage(`${text}${shownIn(where, ctx.channelId)}`);
        },
      }),
      sub({
        name: 'assign',
        summary: 'Give an item to someone',
        args: z.object({ id: z.string(), user: arg.user('who does it: @name or their id (U123)') }),
        positionals: ['id', 'user'],
        placeholders: { user: '@user' },
        permission: ITEM_POLICY,
        async handle(args, ctx) {
          const owner = await user(args.user);
          const { item, previous } = await plan.assign(args.id, owner, ctx.actor);
          const text =
            `:bust_in_silhouette: *${item.id}* ${escapeMrkdwn(item.title)} is now ${mention(owner)}'s` +
            `${previous ? ` (was ${mention(previous)})` : ''}.`;
          ctx.note?.({ target: item.id, detail: `assigned to ${owner}${previous ? ` (was ${previous})` : ''}` });
          const where = await deps.announce.changed(item, ctx.channelId, ctx.actor.userId, text);
          await deps.announce.assigned(item, owner, ctx.actor.userId);
          return mdMessage(`${text}${shownIn(where, ctx.channelId)}`);
        },
      }),
      sub({
        name: 'link',
        summary: 'Link an item to a pipeline run, an incident or a URL',
        args: z.object({ id: z.string(), target: z.string().describe('run id, incident id or URL') }),
        positionals: ['id', 'target'],
        placeholders: { target: 'run-id|incident-id|url' },
        permission: ITEM_POLICY,
        async handle(args, ctx) {
          const { item, link, shipped } = await plan.link(args.id, args.target, ctx.actor);
          ctx.note?.({ target: item.id, detail: `linked ${link.type} ${link.ref}`.slice(0, 200) });
          const extra = shipped
            ? ` That run already shipped to production: *${item.id}* is done :rocket:.`
            : link.type === 'run'
              ? ' It will be marked shipped when the run deploys to production.'
              : '';
          return mdMessage(`:link: *${item.id}* is linked to ${link.type} \`${escapeMrkdwn(link.ref)}\`.${extra}`);
        },
      }),
      sub({
        name: 'drop',
        summary: 'Drop an item, saying why',
        args: z.object({ id: z.string(), reason: z.array(z.string()).min(1).describe('why it is dropped') }),
        positionals: ['id', 'reason'],
        permission: ITEM_POLICY,
        async handle(args, ctx) {
          const item = await plan.drop(args.id, args.reason.join(' '), ctx.actor);
          const text = `:wastebasket: Dropped *${item.id}* ${escapeMrkdwn(item.title)}: ${escapeMrkdwn(item.dropReason ?? '')}`;
          ctx.note?.({ target: item.id, detail: `dropped: ${item.dropReason ?? ''}`.slice(0, 200) });
          const where = await deps.announce.changed(item, ctx.channelId, ctx.actor.userId, text);
          return mdMessage(`${text}${shownIn(where, ctx.channelId)}`);
        },
      }),
      sub({
        name: 'iteration',
        summary:
          'Show iterations; `start "<name>" [--days n]` starts the next one, `close [<iteration>]` ends the current one;' +
          ' both post its summary here',
        args: z.object({
          action: z.enum(['show', 'start', 'close']).default('show').describe('show, start or close'),
          name: z
            .array(z.string())
            .default([])
            .describe('start: name of the new iteration; close: the iteration to close (name or id, e.g. it3)'),
          days: z.coerce.number().int().min(1).max(90).optional().describe('length in days (default: as long as the last one)'),
        }),
        positionals: ['action', 'name'],
        placeholders: { action: 'show|start|close', name: 'name', days: 'n' },
        permission: ITERATION_POLICY,
        examples: ['/plan iteration start "Sprint 14" --days 7', '/plan iteration close "Sprint 14"', '/plan iteration close'],
        async handle(args, ctx) {
          if (args.action === 'show') {
            const now = deps.clock.now();
            if (args.name.length)
              throw new UsageError('`/plan iteration show` takes no name; to start one use `/plan iteration start "<name>"`.');
            const [current, recent] = [await plan.iterations.current(), await plan.iterations.recent(6)];
            const past = recent
              .filter((i) => i.id !== current.id)
              .map(
                (i) =>
                  `• ${iterationLine(i, now)}` +
                  `${i.counts ? ` — done ${i.counts.done}, shipped ${i.counts.shipped}, rolled over ${i.counts.rolledOver}` : ''}`,
              );
            return mdMessage(
              `Current: ${iterationLine(current, now)} (\`${current.id}\`)${past.length ? `\nEarlier:\n${past.join('\n')}` : ''}`,
            );
          }
          const name = args.name.join(' ').replace(/\s+/g, ' ').trim();
          if (args.action === 'start' && !name) throw new UsageError('Name the iteration: `/plan iteration start "Sprint 14" --days 7`.');
          if (name.length > 60) throw new UsageError(`The name is ${name.length} characters; at most 60.`);
          if (args.action === 'close' && args.days)
            throw new UsageError('`--days` goes with `/plan iteration start`; a close continues the series with the same length.');
          // A close that names its iteration is idempotent: typed again, it finds it closed.
          const named = args.action === 'close' && name ? await plan.iterations.find(name) : undefined;
          if (named && alreadyClosed(named)) {
            const current = await plan.iterations.current();
            return mdMessage(
              `*${escapeMrkdwn(named.name)}* is already closed${named.closedBy ? ` (by ${mention(named.closedBy)})` : ''}` +
                `; nothing was closed. Current: ${iterationLine(current, deps.clock.now())}.`,
            );
          }
          const s = await closeIteration(deps, {
            actor: ctx.actor,
            channel: ctx.channelId,
            ...(args.action === 'start' ? { name } : {}),
            ...(args.days ? { days: args.days } : {}),
            closes: args.action === 'start' ? 'start' : named ? { named } : 'bare',
          });
          ctx.note?.({
            target: s.iteration.name,
            detail: `${s.resumed ? 'finished an interrupted close; ' : ''}now current: ${s.next.name}`,
          });
          const what = s.resumed
            ? `Finished closing *${escapeMrkdwn(s.iteration.name)}*, which had stopped half-way (nothing else was closed)`
            : `Closed *${escapeMrkdwn(s.iteration.name)}*`;
          return mdMessage(
            `${what} (done ${s.counts.done}, shipped ${s.counts.shipped}, rolled over ${s.counts.rolledOver}).` +
              ` Now current: ${iterationLine(s.next, deps.clock.now())}. The summary is posted in this channel.`,
          );
        },
      }),
    ],
  });
}
