import { describe, expect, it } from 'vitest';
import { daysLeft, iterationLine } from '../../commands/plan/render.js';
import { DAY_MS, type Iteration } from '../../src/domain/plan/model.js';

// Days left are the UTC calendar days between today and the end date the line shows, so the
// answer does not depend on the milliseconds between creating an iteration and printing it.
describe('days left in an iteration', () => {
  const start = Date.UTC(2026, 11, 1, 13, 45); // Tue 1 Dec 2026, 13:45 UTC
  const week: Iteration = { id: 'it1', seq: 1, name: 'Week', startAt: start, endAt: start + 7 * DAY_MS, createdBy: 'U0ALICE' };

  it('a 7-day iteration says 7 on its first day, even a moment before it was created or later that day', () => {
    for (const now of [start - 5, start, start + 1, start + 10 * 3_600_000]) {
      expect(daysLeft(week, now)).toBe(7);
      expect(iterationLine(week, now)).toContain('7 days left');
    }
  });

  it('counts down by calendar day, ends today on its end date, then says how far past its end it is', () => {
    expect(iterationLine(week, start + 6 * DAY_MS)).toContain('1 day left');
    expect(iterationLine(week, Date.UTC(2026, 11, 8, 0, 5))).toContain('ends today');
    expect(iterationLine(week, Date.UTC(2026, 11, 8, 23, 55))).toContain('ends today');
    expect(iterationLine(week, Date.UTC(2026, 11, 9, 9))).toContain('1 day past its end');
    expect(iterationLine(week, Date.UTC(2026, 11, 11, 9))).toContain('3 days past its end');
    expect(iterationLine(week, start)).toContain('2026-12-01 → 2026-12-08');
  });
});
