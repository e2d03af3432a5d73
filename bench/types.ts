/** One measured figure printed by `npm run bench`. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** What it is compared with, measured in the same run, e.g. "bare Bolt app". */
  baseline?: { name: string; value: number };
  note?: string;
}

export type Bench = () => Promise<BenchResult[]>;
