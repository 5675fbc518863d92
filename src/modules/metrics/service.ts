import type pg from 'pg';
import type { DateRange } from './schema.js';
import { RANGE_DAYS, ROLLUP_QUERIES, STAFF_MEMBERS, type MetricQueries } from './queries.js';

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

/** The rows of every statement behind the page, by source. */
interface Results {
  consultations: Row[];
  payments: Row[];
  interactions: Row[];
  ticketsCreated: Row[];
  ticketsResolved: Row[];
  escalations: Row[];
  customers: Row[];
  days: Row[];
  staff: Row[];
}

async function runQueries(
  pool: pg.Pool,
  range: DateRange,
  timeZone: string,
  queries: MetricQueries,
): Promise<Results> {
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
    run(RANGE_DAYS, [range.start, range.end]),
    run(STAFF_MEMBERS, []),
  ]);
  return {
    consultations,
    payments,
    interactions,
    ticketsCreated,
    ticketsResolved,
    escalations,
    customers,
    days,
    staff,
  };
}

function consultationFigures(rows: Row[], payments: Row[]): Period<ConsultationFigures> {
  const pay = payments[0] ?? {};
  const figures = (row: Row, revenue: unknown): ConsultationFigures => ({
    total: num(row.total),
    completed: num(row.completed),
    pending: num(row.pending),
    revenueMinor: num(revenue),
    avgSeconds: maybe(row.avg_secs),
  });
  const { current, previous } = periodRows(rows);
  return { current: figures(current, pay.revenue), previous: figures(previous, pay.prev_revenue) };
}

function interactionFigures(rows: Row[]): Period<InteractionFigures> {
  const figures = (row: Row): InteractionFigures => ({
    total: num(row.total),
    active: num(row.active),
    resolved: num(row.resolved),
    avgFirstResponseSeconds: maybe(row.avg_first_response),
    avgDurationSeconds: maybe(row.avg_duration),
  });
  const { current, previous } = periodRows(rows);
  return { current: figures(current), previous: figures(previous) };
}

function ticketFigures(createdRows: Row[], resolvedRows: Row[]): Period<TicketFigures> {
  const figures = (created: Row, resolved: Row): TicketFigures => {
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
  const created = periodRows(createdRows);
  const resolved = periodRows(resolvedRows);
  return {
    current: figures(created.current, resolved.current),
    previous: figures(created.previous, resolved.previous),
  };
}

function escalationFigures(rows: Row[]): Period<EscalationFigures> {
  const figures = (row: Row): EscalationFigures => ({
    raised: num(row.raised),
    pending: num(row.pending),
    inProgress: num(row.in_progress),
    resolved: num(row.resolved),
    avgResolutionSeconds: maybe(row.avg_secs),
  });
  const { current, previous } = periodRows(rows);
  return { current: figures(current), previous: figures(previous) };
}

function customerFigures(customers: Row[], payments: Row[]): Period<CustomerFigures> {
  const cu = customers[0] ?? {};
  const pay = payments[0] ?? {};
  const figures = (prefix: '' | 'prev_'): CustomerFigures => {
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
  return { current: figures(''), previous: figures('prev_') };
}

/** Staff with their current-range work; agents always, others only when they did some. */
function agentRows({ staff, interactions, ticketsResolved }: Results): AgentRow[] {
  const handled = new Map(setRows(interactions, 'agent').map((r) => [num(r.agent), r]));
  const resolvedBy = new Map(
    setRows(ticketsResolved, 'resolver').map((r) => [num(r.resolver), num(r.resolved)]),
  );
  return staff
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
}

/** Every day of the range, with zeros on the days nothing happened. */
function dayRows(results: Results): DayRow[] {
  const byDay = (rows: Row[], value: string) =>
    new Map(setRows(rows, 'd').map((r) => [String(r.d), num(r[value])]));
  const created = byDay(results.ticketsCreated, 'total');
  const resolved = byDay(results.ticketsResolved, 'resolved');
  const interactions = byDay(results.interactions, 'total');
  const consultations = byDay(results.consultations, 'total');
  return results.days.map((d) => {
    const day = String(d.day);
    return {
      day,
      ticketsCreated: created.get(day) ?? 0,
      ticketsResolved: resolved.get(day) ?? 0,
      interactions: interactions.get(day) ?? 0,
      consultations: consultations.get(day) ?? 0,
    };
  });
}

/** One row per value of `order`, in that order, zero for the values with no row. */
function counts(rows: Row[], column: string, order: string[], value = 'total'): CountRow[] {
  const found = new Map(setRows(rows, column).map((r) => [String(r[column]), num(r[value])]));
  return order.map((key) => ({ key, count: found.get(key) ?? 0 }));
}

export async function loadMetrics(
  pool: pg.Pool,
  range: DateRange,
  timeZone: string,
  queries: MetricQueries = ROLLUP_QUERIES,
): Promise<Metrics> {
  const results = await runQueries(pool, range, timeZone, queries);
  const { consultations, payments, interactions, ticketsCreated, escalations } = results;
  return {
    consultations: consultationFigures(consultations, payments),
    interactions: interactionFigures(interactions),
    tickets: ticketFigures(ticketsCreated, results.ticketsResolved),
    escalations: escalationFigures(escalations),
    customers: customerFigures(results.customers, payments),
    categories: counts(ticketsCreated, 'category', [
      'billing',
      'appointment',
      'technical',
      'medical',
    ]),
    priorities: counts(ticketsCreated, 'priority', ['urgent', 'high', 'medium', 'low']),
    escalationTargets: counts(escalations, 'target', ['admin', 'doctor'], 'raised'),
    agents: agentRows(results),
    days: dayRows(results),
  };
}

/** The statements behind the page, for EXPLAIN (bench/explain.ts). Parameters: previousStart, start, end, zone. */
export const METRIC_QUERIES = ROLLUP_QUERIES;
