import { z } from 'zod';
import { localDay } from '../../lib/time.js';

export const DEFAULT_DAYS = 30;
export const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

const isoDay = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    const year = Number(value.slice(0, 4));
    return (
      year >= 1900 &&
      year <= 2999 &&
      !Number.isNaN(date.getTime()) &&
      date.toISOString().slice(0, 10) === value
    );
  });

/** Raw query string: anything unparseable becomes undefined (then defaults apply, with a message). */
export const rangeQuery = z.object({
  from: z.unknown().optional(),
  to: z.unknown().optional(),
});

export const TABLES = [
  'summary',
  'categories',
  'priorities',
  'escalation-targets',
  'agents',
  'days',
] as const;
export type TableName = (typeof TABLES)[number];
export const exportQuery = z.object({ table: z.enum(TABLES) });

/** A whole number of local days: [start, end) with end = the day after `to`; previous = same length before. */
export interface DateRange {
  from: string;
  to: string;
  days: number;
  start: string;
  end: string;
  previousStart: string;
  previousFrom: string;
  previousTo: string;
  message?: string;
}

const dayString = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (value: string) => Date.parse(`${value}T00:00:00Z`);

function parseDay(value: unknown): { day?: string; bad: boolean } {
  if (value === undefined || value === '') return { bad: false };
  const parsed = isoDay.safeParse(value);
  return parsed.success ? { day: parsed.data, bad: false } : { bad: true };
}

/** Days are calendar days in `timeZone` ("today" is the local date); SQL turns them into instants. */
export function parseRange(query: unknown, today: Date = new Date(), timeZone = 'UTC'): DateRange {
  const raw = rangeQuery.safeParse(query ?? {});
  const { from: fromRaw, to: toRaw } = raw.success ? raw.data : { from: undefined, to: undefined };
  const from = parseDay(fromRaw);
  const to = parseDay(toRaw);
  const messages: string[] = [];
  if (from.bad || to.bad)
    messages.push(
      'Dates must be real days written YYYY-MM-DD; the default range is shown instead of the invalid part.',
    );

  const todayMs = dayMs(localDay(today, timeZone));
  let endDay = to.day ? dayMs(to.day) : from.day ? Math.max(dayMs(from.day), todayMs) : todayMs;
  let startDay = from.day ? dayMs(from.day) : endDay - (DEFAULT_DAYS - 1) * DAY_MS;
  if (startDay > endDay) {
    messages.push('"From" was after "to", so the two dates were swapped.');
    [startDay, endDay] = [endDay, startDay];
  }
  if ((endDay - startDay) / DAY_MS + 1 > MAX_DAYS) {
    messages.push(
      `Ranges are limited to ${MAX_DAYS} days; the range was shortened to end on the "to" date.`,
    );
    startDay = endDay - (MAX_DAYS - 1) * DAY_MS;
  }
  const days = (endDay - startDay) / DAY_MS + 1;
  const previousStartMs = startDay - days * DAY_MS;
  return {
    from: dayString(startDay),
    to: dayString(endDay),
    days,
    start: dayString(startDay),
    end: dayString(endDay + DAY_MS),
    previousStart: dayString(previousStartMs),
    previousFrom: dayString(previousStartMs),
    previousTo: dayString(startDay - DAY_MS),
    message: messages.length ? messages.join(' ') : undefined,
  };
}
