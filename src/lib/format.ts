import { localDateTime, relative } from './time.js';

/** Display helpers shared by the pages (plain values only, never medical data). */
export function money(minor: number, currency = 'NGN'): string {
  return `${currency} ${(minor / 100).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Date and time in the viewer's zone with its abbreviation ("2026-12-02 13:31 WAT"). */
export function when(date: Date | null | undefined): string {
  return date ? localDateTime(date) : '—';
}

/** "12 min ago", for <time> elements that also carry the exact time (views/partials/time.ejs). */
export function ago(date: Date | null | undefined, now: Date = new Date()): string {
  return date ? relative(date, now) : '—';
}

export function iso(date: Date): string {
  return date.toISOString();
}

export function label(value: string | null | undefined): string {
  return value ? value.replace(/_/g, ' ') : '—';
}

export const fmt = { money, when, ago, iso, label };
