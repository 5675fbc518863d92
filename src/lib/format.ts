/** Display helpers shared by the pages (plain values only, never medical data). */
export function money(minor: number, currency = 'NGN'): string {
  return `${currency} ${(minor / 100).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function when(date: Date | null | undefined): string {
  return date ? date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '—';
}

export function label(value: string | null | undefined): string {
  return value ? value.replace(/_/g, ' ') : '—';
}

export const fmt = { money, when, label };
