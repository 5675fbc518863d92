import type pg from 'pg';
import type { DateRange } from './schema.js';
import { ROLLUP_QUERIES, type MetricQueries } from './queries.js';

// Every figure is an SQL aggregate over rollups kept current by triggers (see queries.ts): each
// query covers the current range and the previous period of equal length at once, and returns the
// period totals, the per-day rows and the per-agent rows together. Days are the viewer's local days.

export interface Period<T> {
  current: T;
  previous: T;
}

export interface ConsultationFigures {
  total: number;
  completed: number;
  pending: number;
  revenueMinor: number;
  avgSeconds: number | null;
}
export interface InteractionFigures {
  total: number;
  active: number;
  resolved: number;
  avgFirstResponseSeconds: number | null;
  avgDurationSeconds: number | null;
}
export interface TicketFigures {
  created: number;
  open: number;
  resolved: number;
  avgResolutionSeconds: number | null;
  slaMet: number;
  slaMetPct: number | null;
}
export interface EscalationFigures {
  raised: number;
  pending: number;
  inProgress: number;
  resolved: number;
  avgResolutionSeconds: number | null;
}
export interface CustomerFigures {
  total: number;
  active: number;
  new: number;
  payers: number;
  paidMinor: number;
  lifetimeValueMinor: number | null;
}

export interface DayRow {
  day: string;
  ticketsCreated: number;
  ticketsResolved: number;
  interactions: number;
  consultations: number;
}
export interface AgentRow {
  id: number;
  name: string;
  role: string;
  interactions: number;
  avgDurationSeconds: number | null;
  ticketsResolved: number;
}
export interface CountRow {
  key: string;
  count: number;
}

export interface Metrics {
  consultations: Period<ConsultationFigures>;
  interactions: Period<InteractionFigures>;
  tickets: Period<TicketFigures>;
  escalations: Period<EscalationFigures>;
  customers: Period<CustomerFigures>;
  categories: CountRow[];
  priorities: CountRow[];
  escalationTargets: CountRow[];
  agents: AgentRow[];
  days: DayRow[];
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const maybe = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

// Row set markers: `g_*` = GROUPING(col), 0 when the row is grouped by that column.
type Row = Record<string, unknown>;
const periodRows = (rows: Row[]) => ({
  current: rows.find((r) => num(r.g_cur) === 0 && r.cur === true) ?? {},
  previous: rows.find((r) => num(r.g_cur) === 0 && r.cur === false) ?? {},
});
const setRows = (rows: Row[], column: string) =>
  rows.filter((r) => num(r[`g_${column}`]) === 0 && r[column] !== null);

// The range's local days (parameters: start day, end day exclusive).
const DAYS = `SELECT to_char(d, 'YYYY-MM-DD') AS day FROM generate_series($1::date, $2::date - 1, interval '1 day') AS d`;
const STAFF = `SELECT id, name, role::text AS role FROM users WHERE role IN ('agent', 'supervisor', 'admin') ORDER BY name, id`;

export async function loadMetrics(
  pool: pg.Pool,
  range: DateRange,
  timeZone: string,
  queries: MetricQueries = ROLLUP_QUERIES,
): Promise<Metrics> {
  const params = [range.previousStart, range.start, range.end, timeZone];
  const run = (sql: string, values: unknown[] = params) =>
    pool.query(sql, values).then((r) => r.rows as Row[]);
  const [
    consultations,
    payments,
    interactions,
    ticketsCreated,
    ticketsResolved,
    escalations,
    customers,
    days,
    staff,
  ] = await Promise.all([
    run(queries.consultations),
    run(queries.payments),
    run(queries.interactions),
    run(queries.ticketsCreated),
    run(queries.ticketsResolved),
    run(queries.escalations),
    run(queries.customers),
    run(DAYS, [range.start, range.end]),
    run(STAFF, []),
  ]);

  const pay = payments[0] ?? {};
  const c = periodRows(consultations);
  const consultationFigures = (row: Row, revenue: unknown): ConsultationFigures => ({
    total: num(row.total),
    completed: num(row.completed),
    pending: num(row.pending),
    revenueMinor: num(revenue),
    avgSeconds: maybe(row.avg_secs),
  });

  const i = periodRows(interactions);
  const interactionFigures = (row: Row): InteractionFigures => ({
    total: num(row.total),
    active: num(row.active),
    resolved: num(row.resolved),
    avgFirstResponseSeconds: maybe(row.avg_first_response),
    avgDurationSeconds: maybe(row.avg_duration),
  });

  const tc = periodRows(ticketsCreated);
  const tr = periodRows(ticketsResolved);
  const ticketFigures = (created: Row, resolved: Row): TicketFigures => {
    const count = num(resolved.resolved);
    const met = num(resolved.sla_met);
    return {
      created: num(created.total),
      open: num(created.open),
      resolved: count,
      avgResolutionSeconds: maybe(resolved.avg_secs),
      slaMet: met,
      slaMetPct: count ? (met / count) * 100 : null,
    };
  };

  const e = periodRows(escalations);
  const escalationFigures = (row: Row): EscalationFigures => ({
    raised: num(row.raised),
    pending: num(row.pending),
    inProgress: num(row.in_progress),
    resolved: num(row.resolved),
    avgResolutionSeconds: maybe(row.avg_secs),
  });

  const cu = customers[0] ?? {};
  const customerFigures = (prefix: '' | 'prev_'): CustomerFigures => {
    const payers = num(pay[`${prefix}payers`]);
    const paid = num(pay[`${prefix}paid`]);
    return {
      total: num(cu[`${prefix}total`]),
      active: num(cu[`${prefix}active`]),
      new: num(cu[`${prefix}new`]),
      payers,
      paidMinor: paid,
      lifetimeValueMinor: payers ? paid / payers : null,
    };
  };

  const byDay = (rows: Row[], value: string) =>
    new Map(setRows(rows, 'd').map((r) => [String(r.d), num(r[value])]));
  const created = byDay(ticketsCreated, 'total');
  const resolved = byDay(ticketsResolved, 'resolved');
  const interactionDays = byDay(interactions, 'total');
  const consultationDays = byDay(consultations, 'total');

  const handled = new Map(setRows(interactions, 'agent').map((r) => [num(r.agent), r]));
  const resolvedBy = new Map(
    setRows(ticketsResolved, 'resolver').map((r) => [num(r.resolver), num(r.resolved)]),
  );
  const agents: AgentRow[] = staff
    .map((u) => {
      const id = num(u.id);
      const row = handled.get(id);
      return {
        id,
        name: String(u.name),
        role: String(u.role),
        interactions: num(row?.total),
        avgDurationSeconds: maybe(row?.avg_duration),
        ticketsResolved: resolvedBy.get(id) ?? 0,
      };
    })
    .filter((a) => a.role === 'agent' || a.interactions > 0 || a.ticketsResolved > 0);

  const counts = (rows: Row[], column: string, order: string[], value = 'total'): CountRow[] => {
    const found = new Map(setRows(rows, column).map((r) => [String(r[column]), num(r[value])]));
    return order.map((key) => ({ key, count: found.get(key) ?? 0 }));
  };

  return {
    consultations: {
      current: consultationFigures(c.current, pay.revenue),
      previous: consultationFigures(c.previous, pay.prev_revenue),
    },
    interactions: {
      current: interactionFigures(i.current),
      previous: interactionFigures(i.previous),
    },
    tickets: {
      current: ticketFigures(tc.current, tr.current),
      previous: ticketFigures(tc.previous, tr.previous),
    },
    escalations: { current: escalationFigures(e.current), previous: escalationFigures(e.previous) },
    customers: { current: customerFigures(''), previous: customerFigures('prev_') },
    categories: counts(ticketsCreated, 'category', [
      'billing',
      'appointment',
      'technical',
      'medical',
    ]),
    priorities: counts(ticketsCreated, 'priority', ['urgent', 'high', 'medium', 'low']),
    escalationTargets: counts(escalations, 'target', ['admin', 'doctor'], 'raised'),
    agents,
    days: days.map((d) => {
      const day = String(d.day);
      return {
        day,
        ticketsCreated: created.get(day) ?? 0,
        ticketsResolved: resolved.get(day) ?? 0,
        interactions: interactionDays.get(day) ?? 0,
        consultations: consultationDays.get(day) ?? 0,
      };
    }),
  };
}

/** The statements behind the page, for EXPLAIN (bench/explain.ts). Parameters: previousStart, start, end, zone. */
export const METRIC_QUERIES = ROLLUP_QUERIES;
