import fc from 'fast-check';
import { expect, it } from 'vitest';
import { baseChannelName, channelNameCandidate } from '../../src/domain/incidents/channel-name.js';

// Slack channel names: lowercase letters, digits, - and _, at most 80 characters; the suffix of a
// taken name keeps it distinct from the base name.
it('incident channel names keep to Slack rules for any title, number and suffix', () => {
  const title = fc.string({ unit: 'grapheme', maxLength: 300 });
  const number = fc.integer({ min: 1, max: 999_999_999 });
  const attempt = fc.integer({ min: 0, max: 29 });
  const at = fc.integer({ min: 0, max: 4_102_444_800_000 });
  fc.assert(
    fc.property(title, number, attempt, at, (t, n, a, when) => {
      const base = baseChannelName(n, when, t);
      const name = channelNameCandidate(base, a);
      expect(name.length).toBeLessThanOrEqual(80);
      expect(name).toMatch(/^[a-z0-9][a-z0-9_-]*[a-z0-9]$/);
      if (a > 0) expect(name).not.toBe(base);
    }),
    { numRuns: 3000 },
  );
});
