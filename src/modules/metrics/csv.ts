import { csvLine } from '../../lib/csv.js';
import { moduleViews } from './figures.js';
import type { DateRange, TableName } from './schema.js';
import type { Metrics } from './service.js';

// The tables of the metrics page as CSV: the same figures, written for machines.

export interface CsvTable {
  header: string[];
  rows: unknown[][];
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map(csvLine).join('');
}

const oneDecimalOrBlank = (n: number | null) => (n === null ? '' : n.toFixed(1));

/** Machine-friendly values: money in NGN with 2 decimals, durations in seconds, percentages with 1 decimal. */
function rawCsv(key: string, value: number | null): string {
  if (value === null) return '';
  if (key.endsWith('revenue') || key.endsWith('ltv')) return (value / 100).toFixed(2);
  if (key.endsWith('sla')) return value.toFixed(1);
  if (/avg|Response|Duration|Time|Resolution/.test(key)) return value.toFixed(1);
  return String(value);
}

const SUMMARY_HEADER = [
  'module',
  'metric',
  'from',
  'to',
  'value',
  'previous_value',
  'change',
  'definition',
];

const summary = (m: Metrics, range: DateRange): CsvTable => ({
  header: SUMMARY_HEADER,
  rows: moduleViews(m).flatMap((mod) =>
    mod.figures.map((f) => [
      mod.title,
      f.label,
      range.from,
      range.to,
      rawCsv(f.key, f.raw),
      rawCsv(f.key, f.rawPrevious),
      f.change.label,
      f.definition,
    ]),
  ),
});

const AGENTS_HEADER = [
  'agent',
  'role',
  'interactions_handled',
  'avg_duration_seconds',
  'tickets_resolved',
];

const CSV_TABLES: Record<TableName, (m: Metrics, range: DateRange) => CsvTable> = {
  summary,
  categories: (m) => ({
    header: ['category', 'tickets_created'],
    rows: m.categories.map((r) => [r.key, r.count]),
  }),
  priorities: (m) => ({
    header: ['priority', 'tickets_created'],
    rows: m.priorities.map((r) => [r.key, r.count]),
  }),
  'escalation-targets': (m) => ({
    header: ['target', 'escalations_raised'],
    rows: m.escalationTargets.map((r) => [r.key, r.count]),
  }),
  agents: (m) => ({
    header: AGENTS_HEADER,
    rows: m.agents.map((a) => [
      a.name,
      a.role,
      a.interactions,
      oneDecimalOrBlank(a.avgDurationSeconds),
      a.ticketsResolved,
    ]),
  }),
  days: (m) => ({
    header: ['day', 'tickets_created', 'tickets_resolved', 'interactions', 'consultations'],
    rows: m.days.map((d) => [
      d.day,
      d.ticketsCreated,
      d.ticketsResolved,
      d.interactions,
      d.consultations,
    ]),
  }),
};

export function csvTable(table: TableName, m: Metrics, range: DateRange): CsvTable {
  return CSV_TABLES[table](m, range);
}
