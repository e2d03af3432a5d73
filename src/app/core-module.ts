import type { WebClient } from '@slack/web-api';
import { switchyardCommand } from '../../commands/switchyard/commands.js';
import { eventDeliveryProcessor, EVENT_JOB, type Subscription } from '../core/events.js';
import type { AppContext, Module } from '../core/module.js';
import type { Metrics } from '../adapters/metrics.js';
import { OUTBOX_JOB, outboxProcessor } from '../adapters/slack/outbox.js';
import type { SlackBudget } from '../adapters/slack/rate-budget.js';
import { mention } from '../core/blocks.js';
import { servicesOf } from '../domain/services.js';
import { metricsSubcommand } from '../../commands/metrics/commands.js';

/** What every deployment has: `/switchyard`, the Slack outbox and domain-event delivery. */
export function coreModule(
  ctx: AppContext,
  o: { client: WebClient; budget: SlackBudget; intervalMs: number; metrics: Metrics; subscriptions: () => Subscription[] },
): Module {
  return {
    name: 'core',
    commands: [
      switchyardCommand({
        access: ctx.access,
        audit: ctx.audit,
        now: () => ctx.clock.now(),
        extra: [metricsSubcommand({ metrics: () => servicesOf(ctx).maybe('metrics') })],
      }),
    ],
    enqueues: [OUTBOX_JOB, EVENT_JOB],
    events: [
      {
        // Mentioning the bot answers in the thread with where to start.
        type: 'app_mention',
        async handle(event) {
          const e = event as { channel?: string; ts?: string; thread_ts?: string; user?: string };
          if (!e.channel || !e.ts) return;
          await ctx.chat.post({
            channel: e.channel,
            threadTs: e.thread_ts ?? e.ts,
            key: `mention-${e.channel}-${e.ts}`,
            text: `Hi${e.user ? ` ${mention(e.user)}` : ''}! I work through slash commands: try \`/switchyard help\`.`,
          });
        },
      },
    ],
    jobs: [
      outboxProcessor({
        store: ctx.store,
        jobs: ctx.jobs,
        client: o.client,
        budget: o.budget,
        intervalMs: o.intervalMs,
        metrics: o.metrics,
        log: ctx.log.child({ component: 'outbox' }),
      }),
      // Subscriptions are read lazily: they come from modules built after this one.
      {
        ...eventDeliveryProcessor([], ctx.log),
        process: (data, jc) => eventDeliveryProcessor(o.subscriptions(), ctx.log).process(data, jc),
      },
    ],
  };
}
