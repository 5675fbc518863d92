import { money } from '../../lib/format.js';

// How the metrics page writes its numbers; the figures, the charts and the tables all use these,
// so a value reads the same wherever it appears.

export type Kind = 'count' | 'money' | 'duration' | 'percent';

export interface Change {
  text: string;
  label: string;
  direction: 'up' | 'down' | 'same' | 'none';
}

export const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en', {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

const formatNgn = (minor: number | null) => (minor === null ? '—' : money(minor));

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86_400)
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

export function format(kind: Kind, value: number | null): string {
  if (value === null) return '—';
  if (kind === 'money') return formatNgn(value);
  if (kind === 'duration') return formatDuration(value);
  if (kind === 'percent') return `${oneDecimal.format(value)}%`;
  return integer.format(value);
}

const NO_COMPARISON: Change = { text: '—', label: 'no comparison available', direction: 'none' };
const NO_CHANGE: Change = {
  text: 'no change',
  label: 'no change on the previous period',
  direction: 'same',
};
const NEW: Change = { text: 'new', label: 'none in the previous period', direction: 'none' };

/** Percentage points for percentages, else percent of the previous value (null when that is 0). */
function delta(current: number, previous: number, kind: Kind): number | null {
  if (kind === 'percent') return current - previous;
  if (previous === 0) return null;
  return ((current - previous) / Math.abs(previous)) * 100;
}

/** Relative change against the previous period (percentage points for percentages). */
export function change(
  current: number | null,
  previous: number | null,
  kind: Kind = 'count',
): Change {
  if (current === null || previous === null) return NO_COMPARISON;
  const difference = delta(current, previous, kind);
  if (difference === null) return current === 0 ? NO_CHANGE : NEW;
  const rounded = Math.round(difference * 10) / 10;
  if (rounded === 0) return NO_CHANGE;
  const unit = kind === 'percent' ? ' pts' : '%';
  const amount = `${oneDecimal.format(Math.abs(rounded))}${unit}`;
  return rounded > 0
    ? { text: `▲ ${amount}`, label: `up ${amount} on the previous period`, direction: 'up' }
    : { text: `▼ ${amount}`, label: `down ${amount} on the previous period`, direction: 'down' };
}
