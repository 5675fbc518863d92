import { contactLinks } from '../../lib/contact-links.js';
import { ago, iso, when } from '../../lib/format.js';

export function formatDuration(seconds: number | null | undefined): string {
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

/** "2026-11-24 11:05 WAT" in the viewer's zone; the ISO value goes in <time datetime>. */
export const formatDateTime = when;

export const fmt = { duration: formatDuration, dateTime: formatDateTime, iso, ago, when };

export function presentContact(customer: { phone: string; email: string }) {
  return contactLinks({ phone: customer.phone, email: customer.email });
}

/** Query string for the filter links, dropping empty values. */
export function queryString(
  query: Record<string, unknown>,
  overrides: Record<string, string | undefined> = {},
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...query, ...overrides })) {
    if (key !== 'page' && typeof value === 'string' && value !== '') params.set(key, value);
  }
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}
