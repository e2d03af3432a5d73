import { z } from 'zod';

/**
 * Change-freeze windows: dates, weekdays and hours read in a named time zone (Intl, so daylight
 * saving is the zone's own). A window is active when every condition it names holds; a freeze is
 * active when any of its windows is.
 */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2025-12-24');
const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'a time like 09:30 (24:00 is the end of the day)')
  .refine((t) => t <= '24:00', 'at most 24:00');

const windowSchema = z
  .object({
    /** Inclusive local dates. */
    dates: z
      .object({ from: date, to: date })
      .strict()
      .refine((d) => d.from <= d.to, 'from must not be after to')
      .optional(),
    weekdays: z.array(z.enum(WEEKDAYS)).min(1).optional(),
    /** Local wall-clock hours [from, to); from > to spans midnight (22:00-06:00). */
    hours: z
      .object({ from: clockTime, to: clockTime })
      .strict()
      .refine((h) => h.from !== h.to, 'from and to must differ')
      .optional(),
  })
  .strict()
  .refine((w) => w.dates || w.weekdays || w.hours, 'a window needs dates, weekdays or hours');

export const freezeSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'freeze names are lowercase words'),
    /** Environments the freeze guards. */
    environments: z.array(z.string()).min(1),
    timeZone: z.string().refine(isTimeZone, 'an IANA time zone like Europe/Berlin or UTC'),
    /** Where an admin override is announced (defaults to the environment's approval channel). */
    announce: z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id')
      .optional(),
    windows: z.array(windowSchema).min(1),
  })
  .strict();

export type FreezeWindow = z.infer<typeof windowSchema>;
export type Freeze = z.infer<typeof freezeSchema>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface LocalTime {
  date: string;
  weekday: Weekday;
  /** HH:MM */
  time: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock date, weekday and time of an instant in a zone. */
export function localTime(at: number, timeZone: string): LocalTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(at)) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, weekday: p.weekday!.toLowerCase().slice(0, 3) as Weekday, time: `${p.hour}:${p.minute}` };
}

export function windowActive(w: FreezeWindow, t: LocalTime): boolean {
  if (w.dates && (t.date < w.dates.from || t.date > w.dates.to)) return false;
  if (w.weekdays && !w.weekdays.includes(t.weekday)) return false;
  if (w.hours) {
    const { from, to } = w.hours;
    const inside = from < to ? t.time >= from && t.time < to : t.time >= from || t.time < to;
    if (!inside) return false;
  }
  return true;
}

export function freezeActive(f: Freeze, at: number): boolean {
  const t = localTime(at, f.timeZone);
  return f.windows.some((w) => windowActive(w, t));
}

const STEP_MS = 15 * 60_000;
const HORIZON_MS = 14 * 86_400_000;

/**
 * When an active freeze ends: scans forward in 15-minute steps (a gap shorter than that may be
 * stepped over) for at most 14 days, then narrows to the minute. Undefined past the horizon.
 * Bounded so a deploy guard check stays cheap (about 1,300 zone conversions at worst).
 */
export function freezeEnd(f: Freeze, at: number): number | undefined {
  const startMinute = Math.floor(at / 60_000) * 60_000;
  let lastActive = startMinute;
  for (let t = startMinute + STEP_MS; t <= at + HORIZON_MS; t += STEP_MS) {
    if (freezeActive(f, t)) {
      lastActive = t;
      continue;
    }
    let lo = lastActive;
    let hi = t;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (freezeActive(f, mid)) lo = mid;
      else hi = mid;
    }
    return hi;
  }
  return undefined;
}

/** The first active freeze guarding `env` at `at`. */
export function activeFreezeOf(freezes: readonly Freeze[], env: string, at: number): { freeze: Freeze; until?: number } | null {
  for (const f of freezes) {
    if (!f.environments.includes(env) || !freezeActive(f, at)) continue;
    const until = freezeEnd(f, at);
    return { freeze: f, ...(until !== undefined ? { until } : {}) };
  }
  return null;
}
