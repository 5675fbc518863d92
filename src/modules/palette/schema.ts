import { z } from 'zod';

export const MIN_SEARCH = 2;
export const MAX_QUERY = 100;

/** Anything unusable becomes an empty query: the palette then offers the pages alone. */
export const paletteQuery = z.object({
  q: z.preprocess((v) => (typeof v === 'string' ? v.trim().slice(0, MAX_QUERY) : ''), z.string()),
});

/** "TKT-7Q2M9XKD", "tkt-7q2m9xkd" or the bare code, as stored. */
export function referenceFrom(prefix: 'TKT' | 'CNS', text: string): string | null {
  const code = text
    .trim()
    .toUpperCase()
    .replace(new RegExp(`^${prefix}-?`), '');
  return /^[A-Z0-9]{8}$/.test(code) ? `${prefix}-${code}` : null;
}
