import { integer } from './format.js';
import type { CountRow, DayRow, Metrics } from './service.js';

// Server-rendered SVG charts (no script, no style attributes). Each chart carries a description
// that says in words what it draws, for screen readers; the same figures are in the tables.

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

const DAILY_SERIES: { name: string; pick: (d: DayRow) => number }[] = [
  { name: 'Tickets created', pick: (d) => d.ticketsCreated },
  { name: 'Tickets resolved', pick: (d) => d.ticketsResolved },
  { name: 'Interactions', pick: (d) => d.interactions },
  { name: 'Consultations', pick: (d) => d.consultations },
];

const round = (n: number) => Math.round(n * 10) / 10;

/** Where day `index` and value `value` fall in the plot area. */
interface Scale {
  x: (index: number) => number;
  y: (value: number) => number;
}

function scaleFor(days: DayRow[], plot: LineChart['plot'], max: number): Scale {
  return {
    x: (index) =>
      days.length <= 1
        ? (plot.left + plot.right) / 2
        : plot.left + (index * (plot.right - plot.left)) / (days.length - 1),
    y: (value) => plot.bottom - (value / max) * (plot.bottom - plot.top),
  };
}

/** The first day, the middle one (from three days on) and the last one. */
function dayLabels(days: DayRow[], { x }: Scale): LineChart['xLabels'] {
  if (!days.length) return [];
  const last = days.length - 1;
  const middle = Math.floor(last / 2);
  return [
    { x: round(x(0)), label: days[0].day, anchor: days.length === 1 ? 'middle' : 'start' },
    ...(days.length > 2
      ? [{ x: round(x(middle)), label: days[middle].day, anchor: 'middle' }]
      : []),
    ...(days.length > 1 ? [{ x: round(x(last)), label: days[last].day, anchor: 'end' }] : []),
  ];
}

function dailyDescription(days: DayRow[], series: LineSeries[]): string {
  const first = days[0]?.day ?? '';
  const last = days[days.length - 1]?.day ?? '';
  const totals = series.map((s) => `${s.name.toLowerCase()} ${integer.format(s.total)} in total`);
  const busiest = days.reduce(
    (best, d) => (d.ticketsCreated > (best?.ticketsCreated ?? -1) ? d : best),
    days[0],
  );
  const peak = busiest
    ? ` Most tickets were created on ${busiest.day} (${integer.format(busiest.ticketsCreated)}).`
    : '';
  return (
    `Lines per day from ${first} to ${last}: ${totals.join(', ')}.${peak}` +
    ' The same figures are in the "Per day" table.'
  );
}

export function dailyChart(m: Metrics): LineChart {
  const width = 720;
  const height = 260;
  const plot = { left: 48, top: 16, right: width - 16, bottom: height - 32 };
  const days = m.days;
  const max = Math.max(1, ...days.flatMap((d) => DAILY_SERIES.map((s) => s.pick(d))));
  const scale = scaleFor(days, plot, max);
  const series = DAILY_SERIES.map((s, k) => ({
    name: s.name,
    color: PALETTE[k],
    points: days
      .map((d, index) => `${round(scale.x(index))},${round(scale.y(s.pick(d)))}`)
      .join(' '),
    total: days.reduce((sum, d) => sum + s.pick(d), 0),
  }));
  const gridLines = [0, 0.25, 0.5, 0.75, 1].map((f) => ({
    y: round(scale.y(max * f)),
    label: integer.format(Math.round(max * f)),
  }));
  return {
    id: 'chart-daily',
    title: 'Daily activity',
    description: dailyDescription(days, series),
    width,
    height,
    plot,
    max,
    gridLines,
    xLabels: dayLabels(days, scale),
    series,
  };
}

export interface BarChartInput {
  id: string;
  title: string;
  rows: CountRow[];
  label: (key: string) => string;
}

export function barChart({ id, title, rows, label }: BarChartInput): BarChart {
  const width = 480;
  const rowHeight = 28;
  const labelWidth = 110;
  const max = Math.max(1, ...rows.map((r) => r.count));
  const total = rows.reduce((sum, r) => sum + r.count, 0);
  const counts = rows.map((r) => `${label(r.key)} ${integer.format(r.count)}`).join(', ');
  return {
    id,
    title,
    description:
      `${title}: ${counts} (total ${integer.format(total)}).` +
      ' The same figures are in the table below.',
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
