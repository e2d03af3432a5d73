import { context, escapeMrkdwn, fields, header, type Block } from '../../src/core/blocks.js';
import type { HomeSection } from '../../src/core/home.js';
import { formatDuration } from '../../src/core/time.js';
import type { ServiceFigures } from '../../src/domain/metrics/service.js';

/** After approvals (10) and the plan board: numbers are read less often than work is done. */
export const METRICS_HOME_ORDER = 50;

export interface MetricsHomeDeps {
  /** Per-service figures over 30 days (cached by the metrics service). */
  perService(): Promise<ServiceFigures[]>;
  /** The services whose team the user is on (config/teams.yml, groups resolved). */
  servicesOf(userId: string): Promise<string[]>;
}

/** The App Home's "Your team's delivery": the four keys of each service the user's team owns. */
export function metricsHomeSection(d: MetricsHomeDeps): HomeSection {
  return {
    order: METRICS_HOME_ORDER,
    async render(userId): Promise<Block[]> {
      const mine = new Set(await d.servicesOf(userId));
      if (!mine.size) return [];
      const rows = (await d.perService()).filter((r) => mine.has(r.service));
      if (!rows.length) return [];
      const dur = (ms: number | null) => (ms === null ? '–' : formatDuration(ms));
      const pct = (r: number | null) => (r === null ? '–' : `${Math.round(r * 100)} %`);
      return [
        header("Your team's delivery, last 30 days"),
        ...rows.map((r) =>
          fields([
            [escapeMrkdwn(r.service), `${r.deploys} production deploys`],
            ['Lead time', dur(r.leadMs)],
            ['Change failure rate', pct(r.failureRate)],
            ['Time to restore', dur(r.restoreMs)],
          ]),
        ),
        context('Bands and the window before: `/switchyard metrics --service <name>`.'),
      ];
    },
  };
}
