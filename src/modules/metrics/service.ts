import type pg from 'pg';
import type { DateRange } from './schema.js';
import { SLA_TARGET_IN_FORCE } from '../tickets/queries.js';

// Every figure is an SQL aggregate over one scan per table: each query covers the current range
// and the previous period of equal length at once ([previousStart, end) on an indexed timestamp),
// and GROUPING SETS return the period totals, the per-day rows and the per-agent rows together.
// Timestamps are stored as UTC `timestamp(3)`; days are the viewer's local days (see `at` below).

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

// Range parameters are local calendar days ($1 previous start, $2 start, $3 end, exclusive) and $4 the
// IANA zone they are in: PostgreSQL turns each into the stored UTC timestamp at which that local day
// begins, and files each row under its local day, so a day has its real length across DST changes.
const at = (n: 1 | 2 | 3) => `(($${n}::timestamp AT TIME ZONE $4::text) AT TIME ZONE 'UTC')`;
const localDay = (column: string) => `((${column} AT TIME ZONE 'UTC') AT TIME ZONE $4::text)::date`;

const cur = (column: string) => `${column} >= ${at(2)}`;
const curOnly = (column: string, value: string) => `CASE WHEN ${cur(column)} THEN ${value} END`;

// Two steps per table: a parallel hash aggregate into small (period, day, …) groups, then
// GROUPING SETS over those few hundred rows; averages are rolled up as sum / count.
const CONSULTATIONS = `
  WITH fine AS (
    SELECT created_at >= ${at(2)} AS cur, ${localDay('created_at')} AS day, count(*) AS n,
           count(*) FILTER (WHERE status = 'completed') AS completed,
           count(*) FILTER (WHERE status = 'pending') AS pending,
           sum(extract(epoch FROM ended_at - started_at)) FILTER (WHERE status = 'completed' AND ended_at IS NOT NULL AND started_at IS NOT NULL) AS secs,
           count(*) FILTER (WHERE status = 'completed' AND ended_at IS NOT NULL AND started_at IS NOT NULL) AS secs_n
      FROM consultations WHERE created_at >= ${at(1)} AND created_at < ${at(3)}
     GROUP BY 1, 2)
  SELECT GROUPING(cur) AS g_cur, GROUPING(d) AS g_d, cur, to_char(d, 'YYYY-MM-DD') AS d,
         sum(n)::int AS total, sum(completed)::int AS completed, sum(pending)::int AS pending,
         (sum(secs) / nullif(sum(secs_n), 0))::float AS avg_secs
    FROM (SELECT fine.*, CASE WHEN cur THEN day END AS d FROM fine) x
   GROUP BY GROUPING SETS ((cur), (d))`;

// Revenue: paid payments by paid_at. Lifetime value: everything paid before the period's end.
const PAYMENTS = `
  SELECT coalesce(sum(amount_minor) FILTER (WHERE paid_at >= ${at(2)}), 0)::bigint AS revenue,
         coalesce(sum(amount_minor) FILTER (WHERE paid_at >= ${at(1)} AND paid_at < ${at(2)}), 0)::bigint AS prev_revenue,
         coalesce(sum(amount_minor), 0)::bigint AS paid,
         coalesce(sum(amount_minor) FILTER (WHERE paid_at < ${at(2)}), 0)::bigint AS prev_paid,
         count(DISTINCT customer_id)::int AS payers,
         count(DISTINCT customer_id) FILTER (WHERE paid_at < ${at(2)})::int AS prev_payers
    FROM payments WHERE status = 'paid' AND paid_at < ${at(3)}`;

const INTERACTIONS = `
  WITH fine AS (
    SELECT started_at >= ${at(2)} AS cur, ${localDay('started_at')} AS day, agent_id, count(*) AS n,
           count(*) FILTER (WHERE status = 'active') AS active,
           count(*) FILTER (WHERE status = 'resolved') AS resolved,
           sum(extract(epoch FROM first_response_at - started_at)) AS fr, count(first_response_at) AS fr_n,
           sum(duration_seconds) FILTER (WHERE status = 'resolved') AS dur, count(duration_seconds) FILTER (WHERE status = 'resolved') AS dur_n
      FROM interactions WHERE started_at >= ${at(1)} AND started_at < ${at(3)}
     GROUP BY 1, 2, 3)
  SELECT GROUPING(cur) AS g_cur, GROUPING(d) AS g_d, GROUPING(agent) AS g_agent, cur, to_char(d, 'YYYY-MM-DD') AS d, agent,
         sum(n)::int AS total, sum(active)::int AS active, sum(resolved)::int AS resolved,
         (sum(fr) / nullif(sum(fr_n), 0))::float AS avg_first_response,
         (sum(dur) / nullif(sum(dur_n), 0))::float AS avg_duration
    FROM (SELECT fine.*, CASE WHEN cur THEN day END AS d, CASE WHEN cur THEN agent_id END AS agent FROM fine) x
   GROUP BY GROUPING SETS ((cur), (d), (agent))`;

const TICKETS_CREATED = `
  WITH fine AS (
    SELECT created_at >= ${at(2)} AS cur, ${localDay('created_at')} AS day, category::text AS cat, priority::text AS pri, count(*) AS n,
           count(*) FILTER (WHERE status IN ('open', 'pending', 'escalated')) AS open
      FROM support_tickets WHERE created_at >= ${at(1)} AND created_at < ${at(3)}
     GROUP BY 1, 2, 3, 4)
  SELECT GROUPING(cur) AS g_cur, GROUPING(d) AS g_d, GROUPING(category) AS g_category, GROUPING(priority) AS g_priority,
         cur, to_char(d, 'YYYY-MM-DD') AS d, category, priority, sum(n)::int AS total, sum(open)::int AS open
    FROM (SELECT fine.*, CASE WHEN cur THEN day END AS d, CASE WHEN cur THEN cat END AS category, CASE WHEN cur THEN pri END AS priority FROM fine) x
   GROUP BY GROUPING SETS ((cur), (d), (category), (priority))`;

// Resolution time excludes the time spent waiting on the customer (paused_seconds).
const TICKETS_RESOLVED = `
  WITH fine AS (
    SELECT t.resolved_at >= ${at(2)} AS cur, ${localDay('t.resolved_at')} AS day, t.resolved_by_id, count(*) AS n,
           sum(extract(epoch FROM t.resolved_at - t.created_at) - t.paused_seconds) AS secs,
           count(*) FILTER (WHERE extract(epoch FROM t.resolved_at - t.created_at) - t.paused_seconds <= s.resolution_mins * 60) AS met
      FROM support_tickets t ${SLA_TARGET_IN_FORCE}
     WHERE t.status = 'resolved' AND t.resolved_at >= ${at(1)} AND t.resolved_at < ${at(3)}
     GROUP BY 1, 2, 3)
  SELECT GROUPING(cur) AS g_cur, GROUPING(d) AS g_d, GROUPING(resolver) AS g_resolver, cur, to_char(d, 'YYYY-MM-DD') AS d, resolver,
         sum(n)::int AS resolved, (sum(secs) / nullif(sum(n), 0))::float AS avg_secs, sum(met)::int AS sla_met
    FROM (SELECT fine.*, CASE WHEN cur THEN day END AS d, CASE WHEN cur THEN resolved_by_id END AS resolver FROM fine) x
   GROUP BY GROUPING SETS ((cur), (d), (resolver))`;

const ESCALATIONS = `
  WITH raised AS (
    SELECT GROUPING(cur) AS g_cur, GROUPING(target) AS g_target, cur, target,
           count(*)::int AS raised,
           count(*) FILTER (WHERE status = 'pending')::int AS pending,
           count(*) FILTER (WHERE status = 'in_progress')::int AS in_progress
      FROM (SELECT ${cur('created_at')} AS cur, ${curOnly('created_at', 'target_type::text')} AS target, status
              FROM escalations WHERE created_at >= ${at(1)} AND created_at < ${at(3)}) x
     GROUP BY GROUPING SETS ((cur), (target))),
  done AS (
    SELECT ${cur('resolved_at')} AS cur, count(*)::int AS resolved, avg(extract(epoch FROM resolved_at - created_at))::float AS avg_secs
      FROM escalations WHERE status IN ('resolved', 'closed') AND resolved_at >= ${at(1)} AND resolved_at < ${at(3)}
     GROUP BY 1)
  SELECT r.*, d.resolved, d.avg_secs FROM raised r LEFT JOIN done d ON r.g_cur = 0 AND d.cur = r.cur
  UNION ALL
  SELECT 0, 1, d.cur, NULL, 0, 0, 0, d.resolved, d.avg_secs FROM done d
   WHERE NOT EXISTS (SELECT 1 FROM raised r WHERE r.g_cur = 0 AND r.cur = d.cur)`;

// Active: last activity in the 90 days before the period's end (exclusive).
const CUSTOMERS = `
  SELECT count(*) FILTER (WHERE created_at < ${at(3)})::int AS total,
         count(*) FILTER (WHERE created_at < ${at(2)})::int AS prev_total,
         count(*) FILTER (WHERE created_at >= ${at(2)} AND created_at < ${at(3)})::int AS new,
         count(*) FILTER (WHERE created_at >= ${at(1)} AND created_at < ${at(2)})::int AS prev_new,
         count(*) FILTER (WHERE last_activity_at >= ${at(3)} - interval '90 days' AND last_activity_at < ${at(3)})::int AS active,
         count(*) FILTER (WHERE last_activity_at >= ${at(2)} - interval '90 days' AND last_activity_at < ${at(2)})::int AS prev_active
    FROM customers`;

// The range's local days (parameters: start day, end day exclusive).
const DAYS = `SELECT to_char(d, 'YYYY-MM-DD') AS day FROM generate_series($1::date, $2::date - 1, interval '1 day') AS d`;
const STAFF = `SELECT id, name, role::text AS role FROM users WHERE role IN ('agent', 'supervisor', 'admin') ORDER BY name, id`;

export async function loadMetrics(
  pool: pg.Pool,
  range: DateRange,
  timeZone: string,
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
    run(CONSULTATIONS),
    run(PAYMENTS),
    run(INTERACTIONS),
    run(TICKETS_CREATED),
    run(TICKETS_RESOLVED),
    run(ESCALATIONS),
    run(CUSTOMERS),
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
export const METRIC_QUERIES = {
  consultations: CONSULTATIONS,
  payments: PAYMENTS,
  interactions: INTERACTIONS,
  ticketsCreated: TICKETS_CREATED,
  ticketsResolved: TICKETS_RESOLVED,
  escalations: ESCALATIONS,
  customers: CUSTOMERS,
};
