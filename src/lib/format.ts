import { isoInstant, localDateTime, relative } from './time.js';

/** Display helpers shared by the pages (plain values only, never medical data). */
// Made once: `toLocaleString` with options builds a new formatter on every call, which was a fifth
// of the consultation list's CPU time.
const AMOUNT = new Intl.NumberFormat('en-GB', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

export function money(minor: number, currency = 'NGN'): string {
  return `${currency} ${AMOUNT.format(minor / 100)}`;
}

/** Date and time in the viewer's zone with its abbreviation ("2026-12-02 13:31 WAT"). */
export function when(date: Date | null | undefined): string {
  return date ? localDateTime(date) : '—';
}

/** "12 min ago", for <time> elements that also carry the exact time (views/partials/time.ejs). */
export function ago(date: Date | null | undefined, now: Date = new Date()): string {
  return date ? relative(date, now) : '—';
}

/** The instant for a `<time datetime>` attribute ("2026-12-02T12:31:05.000Z"). */
export function iso(date: Date): string {
  return isoInstant(date);
}

/** The minute in UTC, for staff and audit pages that show UTC ("2026-12-02 12:31 UTC"). */
export function utcMinute(date: Date): string {
  return `${isoInstant(date).slice(0, 16).replace('T', ' ')} UTC`;
}

export function label(value: string | null | undefined): string {
  return value ? value.replace(/_/g, ' ') : '—';
}

/** A length of time: "2h 5m 3s", "3d 4h 0m". */
export function duration(seconds: number | null | undefined): string {
  if (seconds == null) return '—';
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400),
    h = Math.floor((s % 86_400) / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m ${r}s`;
  if (m) return `${m}m ${r}s`;
  return `${r}s`;
}

/** The one set of display helpers the views get; `dateTime` is the older name of `when`. */
export const fmt = { money, when, dateTime: when, ago, iso, label, duration };
