import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartRenderer, WeekFigures } from '../../domain/metrics/chart.js';

/**
 * The delivery chart as a PNG: Vega-Lite describes it, Vega renders it to SVG in Node (no canvas,
 * no browser), resvg turns the SVG into a PNG (a prebuilt binary from npm: no native build step).
 * Slack previews PNG, not SVG. Text uses the system fonts; without any, the bars still draw.
 */
export class VegaDeliveryChart implements ChartRenderer {
  async deliveryChart(title: string, weeks: WeekFigures[]): Promise<Uint8Array> {
    const view = new vega.View(vega.parse(compile(spec(title, weeks)).spec), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    return new Resvg(svg, { fitTo: { mode: 'width', value: 1200 }, background: 'white', font: { loadSystemFonts: true } }).render().asPng();
  }
}

/** Deploys per week (failed ones in red) above the weekly median lead time and time to restore. */
export function spec(title: string, weeks: WeekFigures[]): TopLevelSpec {
  const deploys = weeks.flatMap((w) => [
    { week: w.week, outcome: 'ok', n: w.deploys - w.failed },
    { week: w.week, outcome: 'failed', n: w.failed },
  ]);
  const trends = weeks.flatMap((w) => [
    ...(w.leadHours === null ? [] : [{ week: w.week, metric: 'lead time (h)', hours: w.leadHours }]),
    ...(w.restoreHours === null ? [] : [{ week: w.week, metric: 'time to restore (h)', hours: w.restoreHours }]),
  ]);
  const x = { field: 'week', type: 'ordinal', title: 'week of', sort: weeks.map((w) => w.week) } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: { font: 'DejaVu Sans, Liberation Sans, sans-serif' },
    // The two panels color different things: each keeps its own legend and palette.
    resolve: { scale: { color: 'independent' } },
    vconcat: [
      {
        width: 560,
        height: 160,
        data: { values: deploys },
        mark: 'bar',
        encoding: {
          x,
          y: { field: 'n', type: 'quantitative', title: 'production deploys', stack: 'zero' },
          color: {
            field: 'outcome',
            type: 'nominal',
            title: 'change',
            scale: { domain: ['ok', 'failed'], range: ['#2eb67d', '#e01e5a'] },
          },
        },
      },
      {
        width: 560,
        height: 120,
        data: { values: trends },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'hours', type: 'quantitative', title: 'median hours' },
          color: { field: 'metric', type: 'nominal', title: 'trend', scale: { range: ['#36c5f0', '#ecb22e'] } },
        },
      },
    ],
  };
}
