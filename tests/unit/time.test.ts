import { describe, expect, it } from 'vitest';
import {
  instantFromLocal,
  isoInstant,
  isTimeZone,
  localDateTime,
  localDateTimeSeconds,
  localDay,
  relative,
  withTimeZone,
  zoneAbbreviation,
} from '../../src/lib/time.js';
import { when } from '../../src/lib/format.js';
import { SeededRandom } from '../../src/db/seed/random.js';

const lateUtc = new Date('2026-11-30T23:30:00Z');

describe('local time', () => {
  it('when a time is shown in Lagos, then it carries the local date, time and WAT', () => {
    expect(localDateTime(lateUtc, 'Africa/Lagos')).toBe('2026-12-01 00:30 WAT');
    expect(localDay(lateUtc, 'Africa/Lagos')).toBe('2026-12-01');
    expect(localDay(lateUtc, 'UTC')).toBe('2026-11-30');
  });

  it('when a zone observes daylight saving, then the abbreviation follows the date', () => {
    expect(zoneAbbreviation(new Date('2026-01-15T12:00:00Z'), 'America/New_York')).toBe('EST');
    expect(zoneAbbreviation(new Date('2026-07-15T12:00:00Z'), 'America/New_York')).toBe('EDT');
    expect(localDateTime(new Date('2026-07-15T12:00:00Z'), 'Europe/London')).toBe(
      '2026-07-15 13:00 BST',
    );
  });

  it('when a zone has no lettered name, then the GMT offset is shown', () => {
    expect(zoneAbbreviation(lateUtc, 'Asia/Dubai')).toMatch(/^(GST|GMT\+4)$/);
  });

  it('when formatters run inside a viewer zone, then they use it, and UTC outside any', () => {
    expect(when(lateUtc)).toBe('2026-11-30 23:30 UTC');
    expect(withTimeZone('Africa/Lagos', () => when(lateUtc))).toBe('2026-12-01 00:30 WAT');
  });

  it('when a name is not an IANA zone, then it is refused', () => {
    expect(isTimeZone('Africa/Lagos')).toBe(true);
    expect(isTimeZone('Lagos')).toBe(false);
    expect(isTimeZone("UTC'; DROP TABLE users; --")).toBe(false);
  });

  it('when times are recent, then they read as relative phrases', () => {
    const now = new Date('2026-12-02T12:00:00Z');
    expect(relative(new Date('2026-12-02T11:59:30Z'), now)).toBe('just now');
    expect(relative(new Date('2026-12-02T11:48:00Z'), now)).toBe('12 min ago');
    expect(relative(new Date('2026-12-02T09:00:00Z'), now)).toBe('3 h ago');
    expect(relative(new Date('2026-11-29T12:00:00Z'), now)).toBe('3 d ago');
    expect(relative(new Date('2026-12-02T12:30:00Z'), now)).toBe('in 30 min');
    expect(relative(new Date('2026-09-02T12:00:00Z'), now, 'Africa/Lagos')).toBe(
      '2026-09-02 13:00 WAT',
    );
  });
});

/** What ICU itself says the wall clock reads, for comparison with the cached arithmetic. */
const icuFormats = new Map<string, Intl.DateTimeFormat>();
function icuWallClock(date: Date, zone: string): string {
  let format = icuFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    icuFormats.set(zone, format);
  }
  const parts = format.formatToParts(date);
  const p = (type: string) => parts.find((x) => x.type === type)?.value;
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')}`;
}

describe('wall clock of many instants', () => {
  // Zones with half- and three-quarter-hour offsets, a half-hour daylight saving (Lord Howe), both
  // hemispheres' changes, and instants before standard time (local mean time, odd offsets).
  const zones = [
    'Africa/Lagos',
    'America/New_York',
    'America/St_Johns',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'Europe/London',
    'Europe/Amsterdam',
    'America/Santiago',
  ];

  it('when instants fall on and around offset changes, then every reading matches ICU', () => {
    const starts = [
      Date.UTC(2026, 2, 8, 0),
      Date.UTC(2026, 2, 29, 0),
      Date.UTC(2026, 3, 4, 14),
      Date.UTC(2026, 9, 3, 14),
      Date.UTC(2026, 10, 1, 4),
      Date.UTC(1900, 0, 1, 0),
      Date.UTC(1937, 5, 30, 22),
    ];
    let checked = 0;
    for (const zone of zones)
      for (const start of starts)
        // Every 7 min 13 s across 30 hours: crosses each quarter hour at a different second.
        for (let t = start; t < start + 30 * 3_600_000; t += 433_000) {
          const date = new Date(t);
          const shown = localDateTimeSeconds(date, zone);
          expect(shown.slice(0, 19), `${zone} ${date.toISOString()}`).toBe(
            icuWallClock(date, zone),
          );
          checked += 1;
        }
    expect(checked).toBeGreaterThan(10_000);
  });
});

describe('reading a wall-clock time typed into a form', () => {
  it('when a datetime-local value is read in Lagos, then it names the instant an hour earlier in UTC', () => {
    expect(instantFromLocal('2026-12-01T10:00', 'Africa/Lagos').toISOString()).toBe(
      '2026-12-01T09:00:00.000Z',
    );
    expect(instantFromLocal('2026-12-01T00:30:00', 'Africa/Lagos').toISOString()).toBe(
      '2026-11-30T23:30:00.000Z',
    );
  });

  it('when the zone changes its offset that year, then each side of the change reads correctly', () => {
    expect(instantFromLocal('2026-07-01T09:00', 'America/New_York').toISOString()).toBe(
      '2026-07-01T13:00:00.000Z',
    );
    expect(instantFromLocal('2026-01-05T09:00', 'America/New_York').toISOString()).toBe(
      '2026-01-05T14:00:00.000Z',
    );
  });
});

describe('instants written for datetime attributes', () => {
  it('when any instant from year 0 to 9999 is written, then it reads as toISOString does', () => {
    const random = new SeededRandom(20261203);
    const first = Date.parse('0000-01-01T00:00:00.000Z');
    const last = Date.parse('9999-12-31T23:59:59.999Z');
    const edges = [first, last, 0, -1, 951_782_400_000, 951_868_799_999, 1_767_225_599_999];
    const spread = Array.from({ length: 5_000 }, () =>
      Math.floor(first + random.next() * (last - first)),
    );
    for (const time of [...edges, ...spread]) {
      const date = new Date(time);
      expect(isoInstant(date)).toBe(date.toISOString());
    }
  });

  it('when an instant lies outside four-digit years or is invalid, then toISOString decides', () => {
    expect(isoInstant(new Date(Date.parse('0000-01-01T00:00:00.000Z') - 1))).toBe(
      '-000001-12-31T23:59:59.999Z',
    );
    expect(isoInstant(new Date('+010000-01-01T00:00:00.000Z'))).toBe('+010000-01-01T00:00:00.000Z');
    expect(() => isoInstant(new Date(Number.NaN))).toThrow(RangeError);
  });
});
