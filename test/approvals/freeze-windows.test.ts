import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activeFreezeOf, freezeActive, freezeEnd, freezeSchema, localTime, type Freeze } from '../../src/domain/approvals/freeze.js';

const freeze = (f: Partial<Freeze> & Pick<Freeze, 'windows'>): Freeze =>
  freezeSchema.parse({ name: 'f', environments: ['production'], timeZone: 'Europe/Berlin', ...f });

const at = (iso: string) => Date.parse(iso);

describe('freeze windows', () => {
  it('reads wall-clock time in the named zone, daylight saving included', () => {
    expect(localTime(at('2025-07-04T14:30:00Z'), 'Europe/Berlin')).toEqual({ date: '2025-07-04', weekday: 'fri', time: '16:30' });
    expect(localTime(at('2025-12-05T14:30:00Z'), 'Europe/Berlin')).toEqual({ date: '2025-12-05', weekday: 'fri', time: '15:30' });
    expect(localTime(at('2025-12-31T23:30:00Z'), 'America/New_York').date).toBe('2025-12-31');
    expect(localTime(at('2025-12-31T23:30:00Z'), 'Asia/Tokyo')).toMatchObject({ date: '2026-01-01', weekday: 'thu', time: '08:30' });
  });

  it('freezes Friday afternoons in Berlin, not in UTC', () => {
    const f = freeze({ windows: [{ weekdays: ['fri'], hours: { from: '16:00', to: '24:00' } }] });
    expect(freezeActive(f, at('2025-07-04T14:30:00Z'))).toBe(true); // 16:30 Berlin
    expect(freezeActive(f, at('2025-07-04T13:59:00Z'))).toBe(false); // 15:59 Berlin
    expect(freezeActive(f, at('2025-07-04T21:59:00Z'))).toBe(true); // 23:59 Berlin
    expect(freezeActive(f, at('2025-07-04T22:00:00Z'))).toBe(false); // Saturday 00:00 Berlin
  });

  it('spans midnight when hours run from late to early, and honours inclusive date ranges', () => {
    const night = freeze({ windows: [{ hours: { from: '22:00', to: '06:00' } }], timeZone: 'UTC' });
    expect(freezeActive(night, at('2025-03-03T23:00:00Z'))).toBe(true);
    expect(freezeActive(night, at('2025-03-03T05:59:00Z'))).toBe(true);
    expect(freezeActive(night, at('2025-03-03T06:00:00Z'))).toBe(false);
    const yearEnd = freeze({ windows: [{ dates: { from: '2025-12-20', to: '2026-01-02' } }] });
    expect(freezeActive(yearEnd, at('2025-12-19T22:59:00Z'))).toBe(false); // 23:59 on the 19th in Berlin
    expect(freezeActive(yearEnd, at('2025-12-19T23:00:00Z'))).toBe(true);
    expect(freezeActive(yearEnd, at('2026-01-02T22:59:00Z'))).toBe(true);
    expect(freezeActive(yearEnd, at('2026-01-02T23:00:00Z'))).toBe(false);
  });

  it('finds when a freeze ends to the minute', () => {
    const f = freeze({ windows: [{ weekdays: ['fri'], hours: { from: '16:00', to: '18:07' } }] });
    expect(freezeEnd(f, at('2025-07-04T14:30:00Z'))).toBe(at('2025-07-04T16:07:00Z'));
    const always = freeze({ windows: [{ weekdays: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] }] });
    expect(freezeEnd(always, at('2025-07-04T14:30:00Z'))).toBeUndefined();
  });

  it('only guards the environments it names', () => {
    const f = freeze({ windows: [{ hours: { from: '00:00', to: '24:00' } }] });
    expect(activeFreezeOf([f], 'staging', Date.now())).toBeNull();
    expect(activeFreezeOf([f], 'production', Date.now())?.freeze.name).toBe('f');
  });

  it('rejects unknown zones, empty windows and bad times', () => {
    expect(() => freeze({ timeZone: 'Mars/Olympus', windows: [{ weekdays: ['mon'] }] })).toThrow(/IANA time zone/);
    expect(() => freeze({ windows: [{}] })).toThrow(/needs dates, weekdays or hours/);
    expect(() => freeze({ windows: [{ hours: { from: '25:00', to: '26:00' } }] })).toThrow(/09:30/);
  });

  it('agrees with a plain hour check for UTC hour windows (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 4e12 }), (a, b, t) => {
        fc.pre(a !== b);
        const pad = (n: number) => `${String(n).padStart(2, '0')}:00`;
        const f = freeze({ timeZone: 'UTC', windows: [{ hours: { from: pad(a), to: pad(b) } }] });
        const h = new Date(t).getUTCHours();
        const expected = a < b ? h >= a && h < b : h >= a || h < b;
        expect(freezeActive(f, t)).toBe(expected);
      }),
    );
  });
});
