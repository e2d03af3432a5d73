import { z } from 'zod';
import type { ChatMessages } from '../../core/ports/chat.js';
import { defineJob, enqueueJob, jobProcessor, type JobProcessor, type JobQueue } from '../../core/ports/jobs.js';
import type { ChatFiles } from '../../core/ports/files.js';
import type { Clock } from '../../core/ports/runtime.js';
import type { Store } from '../../core/ports/store.js';
import type { ChartRenderer } from './chart.js';
import type { MetricsPresenter } from './presenter.js';
import type { DeliveryMetrics } from './service.js';
import { weekOf } from './week.js';

export { weekOf } from './week.js';

const WEEK_MS = 7 * 86_400_000;

/** The weekly tick (one job scheduler for every worker) and the post to one team it fans out to. */
export const DIGEST_TICK = defineJob('metrics.digest', z.object({}));
export const DIGEST_TEAM = defineJob('metrics.digest-team', z.object({ team: z.string(), week: z.string() }));
export const DIGEST_SCHEDULER = 'metrics-weekly-digest';

export interface DigestDeps {
  metrics: DeliveryMetrics;
  presenter: MetricsPresenter;
  chat: ChatMessages;
  jobs: JobQueue;
  clock: Clock;
  store: Store;
  /** The chart under the digest; without both, the digest is text only. */
  charts?: { renderer: ChartRenderer; files: ChatFiles };
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
        const chart = d.charts ? await shareChartOnce(d, d.charts, team, week) : false;
        return { team, deploys: report.current.deploys, chart };
      },
    }),
  ];
}

/**
 * The chart is shared once per team and week: a flag set after the upload completes stops a retry
 * (of a later step, or of a job redelivered after a crash) from sharing it again. A crash between
 * the upload and the flag can share it twice; that is the rare side of at-least-once.
 */
async function shareChartOnce(d: DigestDeps, charts: NonNullable<DigestDeps['charts']>, team: string, week: string): Promise<boolean> {
  const flag = d.store.key('metrics', 'chart-shared', team, week);
  if (await d.store.exists(flag)) return false;
  const weeks = await d.metrics.weekly(8, { team }, d.clock.now());
  const png = await charts.renderer.deliveryChart('Production deploys per week, failed changes in red', weeks);
  await charts.files.share({
    channel: team,
    filename: `delivery-${week}.png`,
    title: `Delivery, 8 weeks to ${week}`,
    altText: chartAltText(weeks),
    bytes: png,
  });
  await d.store.setJson(flag, true, { ttlMs: 30 * 86_400_000 });
  return true;
}

/** What the chart shows, in words: screen readers and notifications get the same facts. */
export function chartAltText(weeks: Array<{ week: string; deploys: number; failed: number }>): string {
  const total = weeks.reduce((n, w) => n + w.deploys, 0);
  const failed = weeks.reduce((n, w) => n + w.failed, 0);
  return `Bar chart of production deploys per week from ${weeks[0]?.week ?? '-'}: ${total} deploys, ${failed} failed changes.`;
}
