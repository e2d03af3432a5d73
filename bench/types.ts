/** One measured figure printed by `npm run bench`. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** What it is compared with, measured in the same run, e.g. "bare Bolt app". */
  baseline?: { name: string; value: number };
  /** The target the figure must meet; run.ts prints it and flags a miss. */
  goal?: { op: '<=' | '>='; value: number };
  note?: string;
}

export type Bench = () => Promise<BenchResult[]>;

/** True when the figure meets its goal (no goal: nothing to miss). */
export function meetsGoal(r: BenchResult): boolean {
  if (!r.goal) return true;
  return r.goal.op === '<=' ? r.value <= r.goal.value : r.value >= r.goal.value;
}
