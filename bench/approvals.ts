import { activeFreezeOf, freezeSchema } from '../src/domain/approvals/freeze.js';
import type { Bench } from './types.js';

/**
 * The change-freeze guard runs on every `/pipeline run`. Its cost is the zone conversions made to
 * find when a freeze ends: worst for a freeze with no end in sight (the whole 14-day horizon is
 * scanned), compared with a freeze that ends within the hour.
 */
const everyDay = freezeSchema.parse({
  name: 'always',
  environments: ['production'],
  timeZone: 'Europe/Berlin',
  windows: [{ weekdays: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] }],
});

function msPerCheck(at: () => number, freeze: typeof everyDay, n: number): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) activeFreezeOf([freeze], 'production', at());
  return Number(((performance.now() - start) / n).toFixed(3));
}

export const bench: Bench = async () => {
  const now = Date.now();
  const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', hourCycle: 'h23' }).format(now);
  const hour = Number(local);
  const pad = (h: number) => `${String(h).padStart(2, '0')}:00`;
  // Active now, ends at the next full hour in Berlin (wraps midnight when needed).
  const endingSoon = freezeSchema.parse({
    name: 'soon',
    environments: ['production'],
    timeZone: 'Europe/Berlin',
    windows: [{ hours: { from: pad(hour), to: hour === 23 ? '24:00' : pad(hour + 1) } }],
  });
  const worst = msPerCheck(() => now, everyDay, 20);
  const typical = msPerCheck(() => now, endingSoon, 200);
  return [
    {
      name: 'freeze guard check, freeze without end (14-day scan)',
      value: worst,
      unit: 'ms',
      baseline: { name: 'freeze ending within the hour', value: typical },
    },
  ];
};
