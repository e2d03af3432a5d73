import { z } from 'zod';
import type { ChatMessages } from '../../core/ports/chat.js';
import { defineJob, enqueueJob, jobProcessor, type JobProcessor, type JobQueue } from '../../core/ports/jobs.js';
import type { Clock } from '../../core/ports/runtime.js';
import type { MetricsPresenter } from './presenter.js';
import type { DeliveryMetrics } from './service.js';

const WEEK_MS = 7 * 86_400_000;

/** The weekly tick (one job scheduler for every worker) and the post to one team it fans out to. */
export const DIGEST_TICK = defineJob('metrics.digest', z.object({}));
export const DIGEST_TEAM = defineJob('metrics.digest-team', z.object({ team: z.string(), week: z.string() }));
export const DIGEST_SCHEDULER = 'metrics-weekly-digest';

/** ISO date of the Monday starting the week `at` falls in: names the digest, so each week posts once. */
export function weekOf(at: number): string {
  const d = new Date(at);
  const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - ((d.getUTCDay() + 6) % 7) * 86_400_000;
  return new Date(monday).toISOString().slice(0, 10);
}

export interface DigestDeps {
  metrics: DeliveryMetrics;
  presenter: MetricsPresenter;
  chat: ChatMessages;
  jobs: JobQueue;
  clock: Clock;
}

/**
 * Posted once per team per week however many workers run and however often a job is retried: the
 * tick fans out one job per team with an id naming the team and the week, and the post carries a
 * message key naming them too (the outbox posts a key once).
 */
export function digestProcessors(d: DigestDeps): JobProcessor[] {
  return [
    jobProcessor(DIGEST_TICK, {
      attempts: 3,
      concurrency: 1,
      async process() {
        const now = d.clock.now();
        const week = weekOf(now);
        const teams = await d.metrics.teams(now - 4 * WEEK_MS);
        for (const team of teams) await enqueueJob(d.jobs, DIGEST_TEAM, { team, week }, { id: `digest-${team}-${week}`, attempts: 5 });
        return { teams: teams.length };
      },
    }),
    jobProcessor(DIGEST_TEAM, {
      attempts: 5,
      concurrency: 2,
      async process({ team, week }) {
        const report = await d.metrics.report({ windowMs: WEEK_MS, windowText: '7d', scope: { team }, to: d.clock.now() });
        await d.chat.post({ channel: team, key: `metrics-digest-${team}-${week}`, ...d.presenter.digest(report) });
        return { team, deploys: report.current.deploys };
      },
    }),
  ];
}
