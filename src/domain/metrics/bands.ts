/**
 * The performance bands of the four delivery metrics, in one place (the README links here).
 *
 * The bands follow the clusters of the Accelerate State of DevOps report 2019 (elite, high, medium,
 * low), the last edition that published four clusters with distinct speed bands. The report gives
 * ranges with gaps between them ("between once per day and once per week"); each band here starts
 * where the report's range of the better band ends, so every figure falls in exactly one band:
 *
 * | metric                 | elite             | high              | medium             | low          |
 * |------------------------|-------------------|-------------------|--------------------|--------------|
 * | deployment frequency   | ≥ 1 a day         | ≥ 1 a week        | ≥ 1 a month        | less         |
 * | lead time for changes  | < 1 day           | ≤ 1 week          | ≤ 1 month          | more         |
 * | change failure rate    | ≤ 15 %            | ≤ 30 %            | ≤ 45 %             | more         |
 * | time to restore        | < 1 hour          | < 1 day           | < 1 week           | 1 week more  |
 *
 * Change failure rate: the 2019 report puts elite, high and medium all at 0-15 % and low at 46-60 %,
 * which tells teams nothing between; the 2021 report puts high at 16-30 %. We keep elite at 15 %,
 * take 30 % for high from 2021, and split the remaining gap to low (46 %) at 45 % for medium.
 * A metric with no data (no deploys, no incidents) has no band: it is shown as "no data", never
 * as elite.
 */
export const BANDS = ['elite', 'high', 'medium', 'low'] as const;
export type Band = (typeof BANDS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;

/** Upper (or lower, for frequency) edges per band, in the units each metric is measured in. */
export const THRESHOLDS = {
  /** Production deploys per day: at least this many. */
  deploysPerDay: { elite: 1, high: 1 / 7, medium: 1 / 30 },
  /** Median lead time (ms): below (elite) or at most (high, medium) this long. */
  leadTimeMs: { elite: DAY, high: WEEK, medium: MONTH },
  /** Change failure rate (0..1): at most this. */
  changeFailureRate: { elite: 0.15, high: 0.3, medium: 0.45 },
  /** Median time to restore (ms): below this. */
  restoreMs: { elite: HOUR, high: DAY, medium: WEEK },
} as const;

export function frequencyBand(deploysPerDay: number): Band {
  const t = THRESHOLDS.deploysPerDay;
  if (deploysPerDay >= t.elite) return 'elite';
  if (deploysPerDay >= t.high) return 'high';
  if (deploysPerDay >= t.medium) return 'medium';
  return 'low';
}

export function leadTimeBand(medianMs: number | null): Band | null {
  if (medianMs === null) return null;
  const t = THRESHOLDS.leadTimeMs;
  if (medianMs < t.elite) return 'elite';
  if (medianMs <= t.high) return 'high';
  if (medianMs <= t.medium) return 'medium';
  return 'low';
}

export function changeFailureBand(rate: number | null): Band | null {
  if (rate === null) return null;
  const t = THRESHOLDS.changeFailureRate;
  if (rate <= t.elite) return 'elite';
  if (rate <= t.high) return 'high';
  if (rate <= t.medium) return 'medium';
  return 'low';
}

export function restoreBand(medianMs: number | null): Band | null {
  if (medianMs === null) return null;
  const t = THRESHOLDS.restoreMs;
  if (medianMs < t.elite) return 'elite';
  if (medianMs < t.high) return 'high';
  if (medianMs < t.medium) return 'medium';
  return 'low';
}
