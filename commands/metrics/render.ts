import { channelLink, context, escapeMrkdwn, fields, header, sections, type MessageContent } from '../../src/core/blocks.js';
import { formatDuration } from '../../src/core/time.js';
import type { Band } from '../../src/domain/metrics/bands.js';
import type { DoraReport, FailedChange, LeadBasis } from '../../src/domain/metrics/dora.js';
import type { MetricsPresenter } from '../../src/domain/metrics/presenter.js';
import type { DeliveryReport } from '../../src/domain/metrics/service.js';

/** How the four keys look in Slack: one field per metric with its band and the change from the window before. */

const BAND_ICON: Record<Band, string> = {
  elite: ':star2:',
  high: ':large_green_circle:',
  medium: ':large_yellow_circle:',
  low: ':red_circle:',
};

const band = (b: Band | null) => (b ? `${BAND_ICON[b]} ${b}` : '_no data_');
const pct = (rate: number | null) => (rate === null ? '–' : `${Math.round(rate * 100)} %`);
const dur = (ms: number | null) => (ms === null ? '–' : formatDuration(ms));

/** `↑ from 3` / `↓ from 2h` / `= ` : the previous window's figure, so a team sees the trend. */
function trend(cur: number | null, prev: number | null, show: (v: number | null) => string): string {
  if (cur === null || prev === null) return prev === null ? '' : ` (was ${show(prev)})`;
  const arrow = cur > prev ? '↑' : cur < prev ? '↓' : '=';
  return ` ${arrow} was ${show(prev)}`;
}

function perWeek(r: DoraReport): string {
  const days = Math.max(1, (r.to - r.from) / 86_400_000);
  return (r.deploys / (days / 7)).toFixed(1);
}

function basisNote(basis: Record<LeadBasis, number>): string {
  const parts = (['commit', 'plan', 'trigger'] as const).filter((b) => basis[b] > 0).map((b) => `${basis[b]} from ${BASIS_TEXT[b]}`);
  return parts.length ? `lead time measured ${parts.join(', ')}` : '';
}
const BASIS_TEXT: Record<LeadBasis, string> = { commit: 'the commit', plan: 'the plan item starting', trigger: 'the run starting' };

export function scopeText(r: DeliveryReport): string {
  const s = r.scope;
  if (s.service) return `service *${escapeMrkdwn(s.service)}*`;
  if (s.team) return `team ${channelLink(s.team)}`;
  return 'the organisation';
}

export function metricFields(r: DeliveryReport): Array<[string, string]> {
  const c = r.current;
  const p = r.previous;
  return [
    [
      'Deployment frequency',
      `${c.deploys} deploys (${perWeek(c)}/week) · ${band(c.frequencyBand)}${trend(c.deploys, p.deploys, (v) => `${v}`)}`,
    ],
    [
      'Lead time for changes',
      `${dur(c.leadTime.medianMs)} median · ${band(c.leadTime.band)}${trend(c.leadTime.medianMs, p.leadTime.medianMs, dur)}`,
    ],
    [
      'Change failure rate',
      `${pct(c.changeFailure.rate)} (${c.changeFailure.failed.length} of ${c.deploys}) · ${band(c.changeFailure.band)}` +
        trend(c.changeFailure.rate, p.changeFailure.rate, pct),
    ],
    [
      'Time to restore service',
      `${dur(c.restore.medianMs)} median over ${c.restore.incidents} incidents · ${band(c.restore.band)}` +
        trend(c.restore.medianMs, p.restore.medianMs, dur),
    ],
  ];
}

export function failureLine(f: FailedChange): string {
  const when = new Date(f.finishedAt).toISOString().slice(0, 16).replace('T', ' ');
  const cause =
    f.cause.kind === 'incident'
      ? `followed by incident \`${f.cause.incidentId}\``
      : f.cause.kind === 'rollback'
        ? `rolled back by run \`${f.cause.runId}\``
        : `fixed by run \`${f.cause.runId}\` for \`${f.cause.incidentId}\``;
  return `• \`${f.runId}\` ${escapeMrkdwn(f.service)} \`${escapeMrkdwn(f.ref)}\` (${when} UTC): ${cause}`;
}

function textSummary(r: DeliveryReport): string {
  return (
    `Delivery metrics for ${scopeText(r)}, last ${r.windowText}: ` +
    metricFields(r)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')
  );
}

export const metricsPresenter: MetricsPresenter = {
  report(r, opts) {
    const blocks = [
      header(`Delivery metrics, last ${r.windowText}`),
      context(`${scopeText(r)} · compared with the ${r.windowText} before · bands: State of DevOps (see the README)`),
      fields(metricFields(r)),
    ];
    const note = basisNote(r.current.leadTime.basis);
    if (note) blocks.push(context(note));
    if (opts.failures) {
      const failed = r.current.changeFailure.failed;
      blocks.push(
        ...sections(
          failed.length ? [`*Failed changes (${failed.length})*`, ...failed.map(failureLine)] : ['_No failed changes in this window._'],
        ),
      );
    }
    return { text: textSummary(r), blocks };
  },
  digest(r): MessageContent {
    return {
      text: `Weekly delivery digest: ${textSummary(r)}`,
      blocks: [
        header('Weekly delivery digest'),
        context(`${scopeText(r)} · last ${r.windowText}, compared with the ${r.windowText} before`),
        fields(metricFields(r)),
        context('Details: `/switchyard metrics --team` here, `--failures` for the failed changes.'),
      ],
    };
  },
};
