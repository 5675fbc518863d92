import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Times are stored in UTC and shown in the viewer's zone (their own choice, else the installation's).
 * The zone of the request being served is held in async-local storage so every formatter a page
 * calls (including those passed down by module routers) shows the same zone without threading it
 * through each call.
 */
const viewerZone = new AsyncLocalStorage<string>();

export const FALLBACK_TIME_ZONE = 'UTC';

export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** IANA names offered in the per-user choice (the canonical list of this runtime). */
export const TIME_ZONES: readonly string[] = Intl.supportedValuesOf('timeZone');

export function withTimeZone<T>(zone: string, run: () => T): T {
  return viewerZone.run(zone, run);
}

export function currentTimeZone(): string {
  return viewerZone.getStore() ?? FALLBACK_TIME_ZONE;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(
  locale: string,
  zone: string,
  options: Intl.DateTimeFormatOptions,
  tag: string,
): Intl.DateTimeFormat {
  const key = `${tag}|${locale}|${zone}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, { timeZone: zone, ...options });
    formatters.set(key, found);
  }
  return found;
}

const PARTS: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
};

interface LocalParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

function partsFromIntl(date: Date, zone: string): LocalParts {
  const parts = formatter('en-GB', zone, PARTS, 'parts').formatToParts(date);
  const pick = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return {
    year: pick('year'),
    month: pick('month'),
    day: pick('day'),
    hour: pick('hour'),
    minute: pick('minute'),
    second: pick('second'),
  };
}

const QUARTER_HOUR_MS = 15 * 60_000;
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

// Asking ICU for every time a page shows was most of a long thread's rendering cost. Zone offsets
// are whole quarter hours and change only at quarter-hour instants of UTC, so the offset found at
// the start of a quarter hour holds for all of it; a quarter hour whose two ends disagree (it holds
// a change, or a historic odd offset) is left to ICU.
const quarterOffsets = new Map<string, number | null>();

function quarterOffset(date: Date, zone: string): number | null {
  const start = Math.floor(date.getTime() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  const key = `${zone}|${start}`;
  let offset = quarterOffsets.get(key);
  if (offset === undefined) {
    const first = new Date(start);
    const last = new Date(start + QUARTER_HOUR_MS - 1000);
    const atStart = offsetMinutes(first, partsFromIntl(first, zone));
    const atEnd = offsetMinutes(last, partsFromIntl(last, zone));
    offset = atStart === atEnd && atStart % 15 === 0 ? atStart : null;
    if (quarterOffsets.size > 50_000) quarterOffsets.clear();
    quarterOffsets.set(key, offset);
  }
  return offset;
}

function localParts(date: Date, zone: string): LocalParts {
  if (Number.isNaN(date.getTime())) return partsFromIntl(date, zone);
  const offset = quarterOffset(date, zone);
  if (offset === null) return partsFromIntl(date, zone);
  const local = new Date(date.getTime() + offset * 60_000);
  return {
    year: String(local.getUTCFullYear()),
    month: two(local.getUTCMonth() + 1),
    day: two(local.getUTCDate()),
    hour: two(local.getUTCHours()),
    minute: two(local.getUTCMinutes()),
    second: two(local.getUTCSeconds()),
  };
}

// ICU names a zone by letters ("WAT", "EST", "IST") only in locales where that name is in common
// use; elsewhere it writes "GMT+1". The first English locale with a lettered name wins.
const ABBREVIATION_LOCALES = [
  'en-US',
  'en-GB',
  'en-NG',
  'en-KE',
  'en-ZA',
  'en-IN',
  'en-AU',
  'en-NZ',
  'en-SG',
  'en-CA',
];

function abbreviationOf(date: Date, zone: string): string {
  let fallback = '';
  for (const locale of ABBREVIATION_LOCALES) {
    const name =
      formatter(locale, zone, { timeZoneName: 'short' }, 'abbr')
        .formatToParts(date)
        .find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (/^[A-Z]{2,5}$/.test(name)) return name;
    fallback ||= name;
  }
  return fallback || zone;
}

/** Minutes the zone's wall clock is ahead of UTC at that instant. */
function offsetMinutes(date: Date, p: LocalParts): number {
  const local = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((local - (date.getTime() - date.getUTCMilliseconds())) / 60_000);
}

// A zone's name follows from its offset (standard or summer time), so it is looked up once per
// zone and offset rather than through up to ten locales for every time a page shows.
const abbreviations = new Map<string, string>();

export function zoneAbbreviation(
  date: Date,
  zone: string = currentTimeZone(),
  parts: LocalParts = localParts(date, zone),
): string {
  const key = `${zone}|${offsetMinutes(date, parts)}`;
  let name = abbreviations.get(key);
  if (name === undefined) {
    name = abbreviationOf(date, zone);
    if (abbreviations.size > 10_000) abbreviations.clear();
    abbreviations.set(key, name);
  }
  return name;
}

/** "2026-12-02 13:31 WAT" in the viewer's zone. */
export function localDateTime(date: Date, zone: string = currentTimeZone()): string {
  const p = localParts(date, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${zoneAbbreviation(date, zone, p)}`;
}

/** "2026-12-02 13:31:05 WAT" where seconds matter (audit trail, figures' computation time). */
export function localDateTimeSeconds(date: Date, zone: string = currentTimeZone()): string {
  const p = localParts(date, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${zoneAbbreviation(date, zone, p)}`;
}

/** The calendar day ("2026-12-02") of an instant in the viewer's zone. */
export function localDay(date: Date, zone: string = currentTimeZone()): string {
  const p = localParts(date, zone);
  return `${p.year}-${p.month}-${p.day}`;
}

const UNITS: [limit: number, seconds: number, unit: string][] = [
  [3600, 60, 'min'],
  [86_400, 3600, 'h'],
  [30 * 86_400, 86_400, 'd'],
];

/** "12 min ago", "in 3 h"; older than a month falls back to the local date and time. */
export function relative(
  date: Date,
  now: Date = new Date(),
  zone: string = currentTimeZone(),
): string {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  const size = Math.abs(seconds);
  if (size < 60) return 'just now';
  const found = UNITS.find(([limit]) => size < limit);
  if (!found) return localDateTime(date, zone);
  const amount = Math.round(size / found[1]);
  return seconds >= 0 ? `${amount} ${found[2]} ago` : `in ${amount} ${found[2]}`;
}

/**
 * SQL for the stored (UTC, without zone) timestamp at which a local calendar day begins, plus
 * `offsetDays`: `created_at >= dayStartSql(p, from)` and `created_at < dayStartSql(p, to, 1)`.
 * Converted by PostgreSQL (`AT TIME ZONE`), so days with a DST change have their real length.
 * `param` adds a bind parameter and returns its placeholder.
 */
export function dayStartSql(
  param: (value: unknown) => string,
  day: string,
  offsetDays = 0,
  zone = currentTimeZone(),
): string {
  const localMidnight = `(${param(day)}::date + ${Math.trunc(offsetDays)})::timestamp`;
  return `(${localMidnight} AT TIME ZONE ${param(zone)}::text) AT TIME ZONE 'UTC'`;
}

/** The instant a wall-clock reading ("2026-12-01T10:00", as a datetime-local field sends it) names in a zone. */
export function instantFromLocal(text: string, zone: string = currentTimeZone()): Date {
  const wanted = Date.parse(`${text.length === 16 ? `${text}:00` : text}Z`);
  let guess = wanted;
  // Two corrections settle every offset change; a reading skipped by a DST jump lands just after it.
  for (let step = 0; step < 2 && !Number.isNaN(guess); step += 1) {
    const p = localParts(new Date(guess), zone);
    const [year, month, day, hour, minute, second] = [
      p.year,
      p.month,
      p.day,
      p.hour,
      p.minute,
      p.second,
    ].map(Number);
    guess += wanted - Date.UTC(year, month - 1, day, hour, minute, second);
  }
  return new Date(guess);
}
