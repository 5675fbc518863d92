import { localDateTimeSeconds } from '../../lib/time.js';
import { barChart, dailyChart } from './charts.js';
import { moduleViews } from './figures.js';
import { formatDuration, integer } from './format.js';
import type { DateRange } from './schema.js';
import type { CountRow, Metrics } from './service.js';

// The metrics page's view: the figures (figures.ts), the charts (charts.ts) and the tables, every
// number written as text (format.ts). The CSV export of the same tables is csv.ts.

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).replace('_', ' ');

const countTable = (rows: CountRow[]) =>
  rows.map((r) => ({ label: capital(r.key), count: integer.format(r.count) }));

export function pageView(m: Metrics, range: DateRange, computedAt: Date) {
  return {
    range,
    computedAt: localDateTimeSeconds(computedAt),
    modules: moduleViews(m),
    daily: dailyChart(m),
    categoryChart: barChart({
      id: 'chart-category',
      title: 'Tickets by category',
      rows: m.categories,
      label: capital,
    }),
    priorityChart: barChart({
      id: 'chart-priority',
      title: 'Tickets by priority',
      rows: m.priorities,
      label: capital,
    }),
    targetChart: barChart({
      id: 'chart-target',
      title: 'Escalations by target',
      rows: m.escalationTargets,
      label: capital,
    }),
    categories: countTable(m.categories),
    priorities: countTable(m.priorities),
    escalationTargets: countTable(m.escalationTargets),
    agents: m.agents.map((a) => ({
      ...a,
      interactionsText: integer.format(a.interactions),
      avgDuration: formatDuration(a.avgDurationSeconds),
      ticketsResolvedText: integer.format(a.ticketsResolved),
    })),
    days: m.days.map((d) => ({
      day: d.day,
      ticketsCreated: integer.format(d.ticketsCreated),
      ticketsResolved: integer.format(d.ticketsResolved),
      interactions: integer.format(d.interactions),
      consultations: integer.format(d.consultations),
    })),
    label: capital,
  };
}
