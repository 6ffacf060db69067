/**
 * NCRONTAB, as Azure Functions timer triggers use it: six fields `second minute hour day month
 * day-of-week` (`0 0 2 * * *` = 02:00:00 daily), with `*`, lists, ranges, steps and month/day names.
 * Evaluated in UTC (the Functions default without WEBSITE_TIME_ZONE).
 */
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export interface CronSchedule {
  seconds: number[];
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  anyDay: boolean;
  anyWeekday: boolean;
}

function field(text: string, min: number, max: number, names: string[] = [], nameBase = 0): number[] {
  const values = new Set<number>();
  const value = (v: string): number => {
    const i = names.indexOf(v.toUpperCase());
    const n = i >= 0 ? i + nameBase : Number(v);
    if (!Number.isInteger(n) || n < min || n > max + (max === 6 ? 1 : 0))
      throw new Error(`"${v}" is out of range ${min}-${max}`);
    return max === 6 && n === 7 ? 0 : n; // day-of-week 7 is Sunday too
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step <= 0) throw new Error(`bad step in "${part}"`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === undefined) {
      lo = min;
      hi = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = value(a ?? '');
      hi = value(b ?? '');
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    for (let n = lo; n <= hi; n += step) values.add(n);
  }
  return [...values].sort((a, b) => a - b);
}

export function parseNcrontab(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6)
    throw new Error(
      `NCRONTAB "${expression}" must have six fields (second minute hour day month day-of-week)`,
    );
  const [s, mi, h, d, mo, dw] = parts as [string, string, string, string, string, string];
  return {
    seconds: field(s, 0, 59),
    minutes: field(mi, 0, 59),
    hours: field(h, 0, 23),
    days: new Set(field(d, 1, 31)),
    months: new Set(field(mo, 1, 12, MONTHS, 1)),
    weekdays: new Set(field(dw, 0, 6, DAYS, 0)),
    anyDay: d === '*' || d === '?',
    anyWeekday: dw === '*' || dw === '?',
  };
}

function dayMatches(c: CronSchedule, date: Date): boolean {
  if (!c.months.has(date.getUTCMonth() + 1)) return false;
  const dom = c.days.has(date.getUTCDate());
  const dow = c.weekdays.has(date.getUTCDay());
  // cron rule: when both are restricted, either may match
  if (!c.anyDay && !c.anyWeekday) return dom || dow;
  return dom && dow;
}

/** The first occurrence strictly after `afterMs` (epoch ms), searching up to five years ahead. */
export function nextOccurrence(schedule: CronSchedule | string, afterMs: number): number | undefined {
  const c = typeof schedule === 'string' ? parseNcrontab(schedule) : schedule;
  const start = new Date(afterMs);
  const dayStart = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  for (let day = 0; day < 366 * 5; day++) {
    const base = dayStart + day * 86_400_000;
    if (!dayMatches(c, new Date(base))) continue;
    for (const h of c.hours) {
      for (const m of c.minutes) {
        const minuteStart = base + (h * 60 + m) * 60_000;
        if (minuteStart + 59_999 <= afterMs) continue;
        for (const s of c.seconds) {
          const t = minuteStart + s * 1000;
          if (t > afterMs) return t;
        }
      }
    }
  }
  return undefined;
}
