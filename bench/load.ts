/** Fires `fn` at a steady rate for `seconds`, returns each call's measured value. Bounded. */
export async function steadyLoad(ratePerSecond: number, seconds: number, fn: () => Promise<number>): Promise<number[]> {
  const total = Math.max(1, Math.round(ratePerSecond * seconds));
  const interval = 1000 / ratePerSecond;
  const start = performance.now();
  const pending: Array<Promise<number>> = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(fn());
  }
  return Promise.all(pending);
}

export function percentile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1));
  return Math.round(sorted[idx]! * 100) / 100;
}
