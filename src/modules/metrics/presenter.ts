import { csvLine } from '../../lib/csv.js';
import { money } from '../../lib/format.js';
import { localDateTimeSeconds } from '../../lib/time.js';
import type { DateRange } from './schema.js';
import type { CountRow, Metrics } from './service.js';

type Kind = 'count' | 'money' | 'duration' | 'percent';

export interface Change {
  text: string;
  label: string;
  direction: 'up' | 'down' | 'same' | 'none';
}

export interface Figure {
  key: string;
  label: string;
  value: string;
  previous: string;
  change: Change;
  definition: string;
  raw: number | null;
  rawPrevious: number | null;
}

export interface ModuleView {
  id: string;
  title: string;
  figures: Figure[];
}

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en', {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

export const formatNgn = (minor: number | null) => (minor === null ? '—' : money(minor));

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86_400)
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

function format(kind: Kind, value: number | null): string {
  if (value === null) return '—';
  if (kind === 'money') return formatNgn(value);
  if (kind === 'duration') return formatDuration(value);
  if (kind === 'percent') return `${oneDecimal.format(value)}%`;
  return integer.format(value);
}

/** Relative change against the previous period (percentage points for percentages). */
export function change(
  current: number | null,
  previous: number | null,
  kind: Kind = 'count',
): Change {
  if (current === null || previous === null)
    return { text: '—', label: 'no comparison available', direction: 'none' };
  const delta =
    kind === 'percent'
      ? current - previous
      : previous === 0
        ? null
        : ((current - previous) / Math.abs(previous)) * 100;
  if (delta === null)
    return current === 0
      ? { text: 'no change', label: 'no change on the previous period', direction: 'same' }
      : { text: 'new', label: 'none in the previous period', direction: 'none' };
  const rounded = Math.round(delta * 10) / 10;
  if (rounded === 0)
    return { text: 'no change', label: 'no change on the previous period', direction: 'same' };
  const unit = kind === 'percent' ? ' pts' : '%';
  const amount = `${oneDecimal.format(Math.abs(rounded))}${unit}`;
  return rounded > 0
    ? { text: `▲ ${amount}`, label: `up ${amount} on the previous period`, direction: 'up' }
    : { text: `▼ ${amount}`, label: `down ${amount} on the previous period`, direction: 'down' };
}

function figure(
  key: string,
  label: string,
  kind: Kind,
  current: number | null,
  previous: number | null,
  definition: string,
): Figure {
  return {
    key,
    label,
    value: format(kind, current),
    previous: format(kind, previous),
    change: change(current, previous, kind),
    definition,
    raw: current,
    rawPrevious: previous,
  };
}

export function moduleViews(m: Metrics): ModuleView[] {
  const { consultations: c, interactions: i, tickets: t, escalations: e, customers: cu } = m;
  return [
    {
      id: 'consultations',
      title: 'Consultations',
      figures: [
        figure(
          'consultations.total',
          'Total consultations',
          'count',
          c.current.total,
          c.previous.total,
          'Consultations created (booked) in the range, whatever their status now.',
        ),
        figure(
          'consultations.completed',
          'Completed',
          'count',
          c.current.completed,
          c.previous.completed,
          'Of the consultations created in the range, those whose status is now completed.',
        ),
        figure(
          'consultations.pending',
          'Pending',
          'count',
          c.current.pending,
          c.previous.pending,
          'Of the consultations created in the range, those still pending (no doctor scheduled yet).',
        ),
        figure(
          'consultations.revenue',
          'Revenue',
          'money',
          c.current.revenueMinor,
          c.previous.revenueMinor,
          'Sum of payments with status paid whose paid_at falls in the range (refunded, pending and unpaid payments excluded), in NGN.',
        ),
        figure(
          'consultations.avgTime',
          'Average consultation time',
          'duration',
          c.current.avgSeconds,
          c.previous.avgSeconds,
          'Mean of ended_at − started_at over the completed consultations created in the range.',
        ),
      ],
    },
    {
      id: 'interactions',
      title: 'Interactions',
      figures: [
        figure(
          'interactions.total',
          'Total interactions',
          'count',
          i.current.total,
          i.previous.total,
          'Interactions (chat, call, email) whose started_at falls in the range.',
        ),
        figure(
          'interactions.firstResponse',
          'Average first-response time',
          'duration',
          i.current.avgFirstResponseSeconds,
          i.previous.avgFirstResponseSeconds,
          'Mean of first_response_at − started_at over the interactions started in the range that have a first response.',
        ),
        figure(
          'interactions.active',
          'Active',
          'count',
          i.current.active,
          i.previous.active,
          'Of the interactions started in the range, those whose status is now active.',
        ),
        figure(
          'interactions.resolved',
          'Resolved',
          'count',
          i.current.resolved,
          i.previous.resolved,
          'Of the interactions started in the range, those whose status is now resolved.',
        ),
        figure(
          'interactions.avgDuration',
          'Average duration',
          'duration',
          i.current.avgDurationSeconds,
          i.previous.avgDurationSeconds,
          'Mean of duration_seconds (ended_at − started_at) over the resolved interactions started in the range.',
        ),
      ],
    },
    {
      id: 'tickets',
      title: 'Support tickets',
      figures: [
        figure(
          'tickets.created',
          'Tickets created',
          'count',
          t.current.created,
          t.previous.created,
          'Tickets whose created_at falls in the range.',
        ),
        figure(
          'tickets.open',
          'Open tickets',
          'count',
          t.current.open,
          t.previous.open,
          'Of the tickets created in the range, those still open, pending or escalated.',
        ),
        figure(
          'tickets.resolved',
          'Resolved tickets',
          'count',
          t.current.resolved,
          t.previous.resolved,
          'Tickets whose status is resolved and whose resolved_at falls in the range (a reopened ticket counts again when it is resolved again).',
        ),
        figure(
          'tickets.avgResolution',
          'Average resolution time',
          'duration',
          t.current.avgResolutionSeconds,
          t.previous.avgResolutionSeconds,
          'Mean of resolved_at − created_at − paused_seconds over the tickets resolved in the range: time spent pending (waiting on the customer) stops the clock and is not counted.',
        ),
        figure(
          'tickets.sla',
          'SLA met',
          'percent',
          t.current.slaMetPct,
          t.previous.slaMetPct,
          'Share of the tickets resolved in the range whose resolution time (as above, pauses excluded) is within the resolution target for their priority in the SLA targets. Change shown in percentage points.',
        ),
      ],
    },
    {
      id: 'escalations',
      title: 'Escalations',
      figures: [
        figure(
          'escalations.raised',
          'Escalations raised',
          'count',
          e.current.raised,
          e.previous.raised,
          'Escalations whose created_at falls in the range.',
        ),
        figure(
          'escalations.pending',
          'Pending',
          'count',
          e.current.pending,
          e.previous.pending,
          'Of the escalations raised in the range, those still pending (not yet taken by the admin or doctor).',
        ),
        figure(
          'escalations.inProgress',
          'In progress',
          'count',
          e.current.inProgress,
          e.previous.inProgress,
          'Of the escalations raised in the range, those taken but not yet resolved.',
        ),
        figure(
          'escalations.resolved',
          'Resolved',
          'count',
          e.current.resolved,
          e.previous.resolved,
          'Escalations resolved or closed whose resolved_at falls in the range.',
        ),
        figure(
          'escalations.avgResolution',
          'Average resolution time',
          'duration',
          e.current.avgResolutionSeconds,
          e.previous.avgResolutionSeconds,
          'Mean of resolved_at − created_at over the escalations resolved or closed in the range.',
        ),
      ],
    },
    {
      id: 'customers',
      title: 'Customers',
      figures: [
        figure(
          'customers.total',
          'Total customers',
          'count',
          cu.current.total,
          cu.previous.total,
          'Customers registered before the end of the range.',
        ),
        figure(
          'customers.active',
          'Active customers',
          'count',
          cu.current.active,
          cu.previous.active,
          'Customers whose last activity (last_activity_at: latest consultation, interaction, ticket or escalation) is within the 90 days before the end of the range.',
        ),
        figure(
          'customers.new',
          'New customers',
          'count',
          cu.current.new,
          cu.previous.new,
          'Customers whose created_at falls in the range.',
        ),
        figure(
          'customers.ltv',
          'Customer lifetime value',
          'money',
          cu.current.lifetimeValueMinor,
          cu.previous.lifetimeValueMinor,
          'Total of all paid payments up to the end of the range divided by the number of customers with at least one paid payment by then.',
        ),
      ],
    },
  ];
}

// ---- Server-rendered SVG charts (no script, no style attributes) ----

export interface LineSeries {
  name: string;
  color: string;
  points: string;
  total: number;
}
export interface LineChart {
  id: string;
  title: string;
  description: string;
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  max: number;
  gridLines: { y: number; label: string }[];
  xLabels: { x: number; label: string; anchor: string }[];
  series: LineSeries[];
}
export interface BarChart {
  id: string;
  title: string;
  description: string;
  width: number;
  height: number;
  bars: { label: string; value: string; y: number; width: number; labelY: number; color: string }[];
}

const PALETTE = ['#1f6feb', '#2da44e', '#bf8700', '#cf222e'];

export function dailyChart(m: Metrics): LineChart {
  const width = 720;
  const height = 260;
  const plot = { left: 48, top: 16, right: width - 16, bottom: height - 32 };
  const days = m.days;
  const seriesDefs = [
    { name: 'Tickets created', pick: (d: Metrics['days'][number]) => d.ticketsCreated },
    { name: 'Tickets resolved', pick: (d: Metrics['days'][number]) => d.ticketsResolved },
    { name: 'Interactions', pick: (d: Metrics['days'][number]) => d.interactions },
    { name: 'Consultations', pick: (d: Metrics['days'][number]) => d.consultations },
  ];
  const max = Math.max(1, ...days.flatMap((d) => seriesDefs.map((s) => s.pick(d))));
  const x = (index: number) =>
    days.length <= 1
      ? (plot.left + plot.right) / 2
      : plot.left + (index * (plot.right - plot.left)) / (days.length - 1);
  const y = (value: number) => plot.bottom - (value / max) * (plot.bottom - plot.top);
  const round = (n: number) => Math.round(n * 10) / 10;
  const series = seriesDefs.map((s, k) => ({
    name: s.name,
    color: PALETTE[k],
    points: days.map((d, index) => `${round(x(index))},${round(y(s.pick(d)))}`).join(' '),
    total: days.reduce((sum, d) => sum + s.pick(d), 0),
  }));
  const gridLines = [0, 0.25, 0.5, 0.75, 1].map((f) => ({
    y: round(y(max * f)),
    label: integer.format(Math.round(max * f)),
  }));
  const xLabels = days.length
    ? [
        { x: round(x(0)), label: days[0].day, anchor: days.length === 1 ? 'middle' : 'start' },
        ...(days.length > 2
          ? [
              {
                x: round(x(Math.floor((days.length - 1) / 2))),
                label: days[Math.floor((days.length - 1) / 2)].day,
                anchor: 'middle',
              },
            ]
          : []),
        ...(days.length > 1
          ? [{ x: round(x(days.length - 1)), label: days[days.length - 1].day, anchor: 'end' }]
          : []),
      ]
    : [];
  const busiest = days.reduce(
    (best, d) => (d.ticketsCreated > (best?.ticketsCreated ?? -1) ? d : best),
    days[0],
  );
  return {
    id: 'chart-daily',
    title: 'Daily activity',
    description: `Lines per day from ${days[0]?.day ?? ''} to ${days[days.length - 1]?.day ?? ''}: ${series.map((s) => `${s.name.toLowerCase()} ${integer.format(s.total)} in total`).join(', ')}.${busiest ? ` Most tickets were created on ${busiest.day} (${integer.format(busiest.ticketsCreated)}).` : ''} The same figures are in the "Per day" table.`,
    width,
    height,
    plot,
    max,
    gridLines,
    xLabels,
    series,
  };
}

export function barChart(
  id: string,
  title: string,
  rows: CountRow[],
  label: (key: string) => string,
): BarChart {
  const width = 480;
  const rowHeight = 28;
  const labelWidth = 110;
  const max = Math.max(1, ...rows.map((r) => r.count));
  const total = rows.reduce((sum, r) => sum + r.count, 0);
  return {
    id,
    title,
    description: `${title}: ${rows.map((r) => `${label(r.key)} ${integer.format(r.count)}`).join(', ')} (total ${integer.format(total)}). The same figures are in the table below.`,
    width,
    height: rows.length * rowHeight + 8,
    bars: rows.map((r, k) => ({
      label: label(r.key),
      value: integer.format(r.count),
      y: k * rowHeight + 4,
      labelY: k * rowHeight + 4 + 15,
      width: Math.round(((width - labelWidth - 70) * r.count) / max),
      color: PALETTE[k % PALETTE.length],
    })),
  };
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).replace('_', ' ');

export function pageView(m: Metrics, range: DateRange, computedAt: Date) {
  return {
    range,
    computedAt: localDateTimeSeconds(computedAt),
    modules: moduleViews(m),
    daily: dailyChart(m),
    categoryChart: barChart('chart-category', 'Tickets by category', m.categories, capital),
    priorityChart: barChart('chart-priority', 'Tickets by priority', m.priorities, capital),
    targetChart: barChart('chart-target', 'Escalations by target', m.escalationTargets, capital),
    categories: m.categories.map((r) => ({
      label: capital(r.key),
      count: integer.format(r.count),
    })),
    priorities: m.priorities.map((r) => ({
      label: capital(r.key),
      count: integer.format(r.count),
    })),
    escalationTargets: m.escalationTargets.map((r) => ({
      label: capital(r.key),
      count: integer.format(r.count),
    })),
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

// ---- CSV ----

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map(csvLine).join('');
}

const fixed = (n: number | null, digits = 2) => (n === null ? '' : n.toFixed(digits));

export function csvTable(
  table: string,
  m: Metrics,
  range: DateRange,
): { header: string[]; rows: unknown[][] } {
  switch (table) {
    case 'summary':
      return {
        header: [
          'module',
          'metric',
          'from',
          'to',
          'value',
          'previous_value',
          'change',
          'definition',
        ],
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
      };
    case 'categories':
      return {
        header: ['category', 'tickets_created'],
        rows: m.categories.map((r) => [r.key, r.count]),
      };
    case 'priorities':
      return {
        header: ['priority', 'tickets_created'],
        rows: m.priorities.map((r) => [r.key, r.count]),
      };
    case 'escalation-targets':
      return {
        header: ['target', 'escalations_raised'],
        rows: m.escalationTargets.map((r) => [r.key, r.count]),
      };
    case 'agents':
      return {
        header: [
          'agent',
          'role',
          'interactions_handled',
          'avg_duration_seconds',
          'tickets_resolved',
        ],
        rows: m.agents.map((a) => [
          a.name,
          a.role,
          a.interactions,
          fixed(a.avgDurationSeconds, 1),
          a.ticketsResolved,
        ]),
      };
    default:
      return {
        header: ['day', 'tickets_created', 'tickets_resolved', 'interactions', 'consultations'],
        rows: m.days.map((d) => [
          d.day,
          d.ticketsCreated,
          d.ticketsResolved,
          d.interactions,
          d.consultations,
        ]),
      };
  }
}

/** Machine-friendly values: money in NGN with 2 decimals, durations in seconds, percentages with 1 decimal. */
function rawCsv(key: string, value: number | null): string {
  if (value === null) return '';
  if (key.endsWith('revenue') || key.endsWith('ltv')) return (value / 100).toFixed(2);
  if (key.endsWith('sla')) return value.toFixed(1);
  if (/avg|Response|Duration|Time|Resolution/.test(key)) return value.toFixed(1);
  return String(value);
}
