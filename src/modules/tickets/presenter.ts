import { when } from '../../lib/format.js';
import type { Clock } from './sla.js';

// The ticket pages still take it from here; its home is src/http/query-string.ts.

function span(seconds: number): string {
  const s = Math.abs(Math.floor(seconds));
  const d = Math.floor(s / 86_400),
    h = Math.floor((s % 86_400) / 3600),
    m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  return `${Math.max(m, s > 0 ? 1 : 0)}m`;
}

/** A clock as a short phrase and a badge class. */
export function clockLabel(clock: Clock): { text: string; badge: string; title: string } {
  const due = clock.dueAt ? `Due ${when(clock.dueAt)}` : '';
  switch (clock.state) {
    case 'met':
      return { text: 'met', badge: 'ok', title: `Within target (${span(clock.elapsedSeconds)})` };
    case 'missed':
      return { text: `missed by ${span(-clock.remainingSeconds)}`, badge: 'overdue', title: '' };
    case 'breached':
      return { text: `overdue by ${span(-clock.remainingSeconds)}`, badge: 'overdue', title: due };
    case 'due_soon':
      return { text: `${span(clock.remainingSeconds)} left`, badge: 'due-soon', title: due };
    case 'paused':
      return {
        text: `paused, ${span(clock.remainingSeconds)} left`,
        badge: 'pending',
        title: 'Waiting on the customer: the clock is stopped',
      };
    default:
      return { text: `${span(clock.remainingSeconds)} left`, badge: 'ok', title: due };
  }
}
