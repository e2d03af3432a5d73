/** One week of a delivery chart: deploys (and how many failed), and the week's medians. */
export interface WeekFigures {
  /** ISO date of the week's Monday. */
  week: string;
  deploys: number;
  failed: number;
  leadHours: number | null;
  restoreHours: number | null;
}

/** Draws the delivery chart (a PNG). src/adapters/charts implements it with Vega-Lite and resvg. */
export interface ChartRenderer {
  deliveryChart(title: string, weeks: WeekFigures[]): Promise<Uint8Array>;
}
