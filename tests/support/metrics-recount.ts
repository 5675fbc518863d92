// The metrics' figures recounted from the source tables, one scan of [previousStart, end) per table:
// the statements the metrics page ran before rollups. Tests compare the rollups with them.
import { SLA_TARGET_IN_FORCE } from '../../src/modules/tickets/queries.js';
import type { MetricQueries } from '../../src/modules/metrics/queries.js';

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

export const RECOUNT_QUERIES: MetricQueries = {
  consultations: CONSULTATIONS,
  payments: PAYMENTS,
  interactions: INTERACTIONS,
  ticketsCreated: TICKETS_CREATED,
  ticketsResolved: TICKETS_RESOLVED,
  escalations: ESCALATIONS,
  customers: CUSTOMERS,
};
