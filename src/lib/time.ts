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
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

// Years 0000–9999; toISOString writes others with a sign and six digits.
const FIRST_PLAIN_ISO_MS = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_PLAIN_ISO_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * `date.toISOString()`, read from the date's UTC fields. V8 writes toISOString through printf
 * (about 600 ns a call against 250 here), and a list page writes a hundred of them.
 */
export function isoInstant(date: Date): string {
  const time = date.getTime();
  if (!(time >= FIRST_PLAIN_ISO_MS && time <= LAST_PLAIN_ISO_MS)) return date.toISOString();
  const year = String(date.getUTCFullYear()).padStart(4, '0');
  const day = `${year}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
  const clock = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${day}T${clock}.${three(date.getUTCMilliseconds())}Z`;
}

/** Values per zone and number (a quarter hour, an offset), all forgotten past `limit` of them. */
class ZoneTable<V> {
  private readonly zones = new Map<string, Map<number, V>>();
  private size = 0;

  constructor(private readonly limit: number) {}

  get(zone: string, key: number): V | undefined {
    return this.zones.get(zone)?.get(key);
  }

  set(zone: string, key: number, value: V): void {
    if (this.size >= this.limit) {
      this.zones.clear();
      this.size = 0;
    }
    let values = this.zones.get(zone);
    if (!values) this.zones.set(zone, (values = new Map()));
    values.set(key, value);
    this.size += 1;
  }
}

// Asking ICU for every time a page shows was most of a long thread's rendering cost. Zone offsets
// are whole quarter hours and change only at quarter-hour instants of UTC, so the offset found at
// the start of a quarter hour holds for all of it; a quarter hour whose two ends disagree (it holds
// a change, or a historic odd offset) is left to ICU. Kept per zone and keyed by the quarter's
// number: a list page formats a hundred times, and a string key built and hashed per call cost
// more than the formatting.
const quarterOffsets = new ZoneTable<number | null>(50_000);

function quarterOffset(date: Date, zone: string): number | null {
  const quarter = Math.floor(date.getTime() / QUARTER_HOUR_MS);
  let offset = quarterOffsets.get(zone, quarter);
  if (offset === undefined) {
    const first = new Date(quarter * QUARTER_HOUR_MS);
    const last = new Date(first.getTime() + QUARTER_HOUR_MS - 1000);
    const atStart = offsetMinutes(first, partsFromIntl(first, zone));
    const atEnd = offsetMinutes(last, partsFromIntl(last, zone));
    offset = atStart === atEnd && atStart % 15 === 0 ? atStart : null;
    quarterOffsets.set(zone, quarter, offset);
  }
  return offset;
}

/** The wall clock at `date` in `zone`, as UTC fields of a shifted Date; null where ICU decides. */
function shifted(date: Date, zone: string): { local: Date; offset: number } | null {
  if (Number.isNaN(date.getTime())) return null;
  const offset = quarterOffset(date, zone);
  return offset === null ? null : { local: new Date(date.getTime() + offset * 60_000), offset };
}

function localParts(date: Date, zone: string): LocalParts {
  const found = shifted(date, zone);
  if (!found) return partsFromIntl(date, zone);
  const { local } = found;
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
const abbreviations = new ZoneTable<string>(10_000);

function abbreviationAt(date: Date, zone: string, offset: number): string {
  let name = abbreviations.get(zone, offset);
  if (name === undefined) {
    name = abbreviationOf(date, zone);
    abbreviations.set(zone, offset, name);
  }
  return name;
}

export function zoneAbbreviation(
  date: Date,
  zone: string = currentTimeZone(),
  parts: LocalParts = localParts(date, zone),
): string {
  return abbreviationAt(date, zone, offsetMinutes(date, parts));
}

const lastStamp = { time: NaN, zone: '', seconds: false, text: '' };

/**
 * "2026-12-02 13:31 WAT" (with ":05" when `seconds`). A page often shows one instant twice (the
 * text and its title), so the last reading is kept.
 */
function stamp(date: Date, zone: string, seconds: boolean): string {
  const time = date.getTime();
  const last = lastStamp;
  if (time === last.time && zone === last.zone && seconds === last.seconds) return last.text;
  const found = shifted(date, zone);
  const year = found?.local.getUTCFullYear() ?? 0;
  let text: string;
  if (found && year >= 1000 && year <= 9999) {
    // Four-digit years only: the slices below cut isoInstant's fixed-width text.
    const iso = isoInstant(found.local);
    const clock = iso.slice(11, seconds ? 19 : 16);
    text = `${iso.slice(0, 10)} ${clock} ${abbreviationAt(date, zone, found.offset)}`;
  } else {
    const p = localParts(date, zone);
    const clock = `${p.hour}:${p.minute}${seconds ? `:${p.second}` : ''}`;
    text = `${p.year}-${p.month}-${p.day} ${clock} ${zoneAbbreviation(date, zone, p)}`;
  }
  last.time = time;
  last.zone = zone;
  last.seconds = seconds;
  last.text = text;
  return text;
}

/** "2026-12-02 13:31 WAT" in the viewer's zone. */
export function localDateTime(date: Date, zone: string = currentTimeZone()): string {
  return stamp(date, zone, false);
}

/** "2026-12-02 13:31:05 WAT" where seconds matter (audit trail, figures' computation time). */
export function localDateTimeSeconds(date: Date, zone: string = currentTimeZone()): string {
  return stamp(date, zone, true);
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
