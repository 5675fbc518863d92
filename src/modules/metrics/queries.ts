// The metrics page reads rollups (schema `metrics`, see the metrics_rollups migration), never the
// source tables: triggers keep them current in the transaction of every change, so the figures
// are fresh and their cost follows the length of the range, not the size of the tables.
//
// Parameters: $1 previous start, $2 start, $3 end (exclusive), local calendar days, and $4 the
// IANA zone they are in. PostgreSQL turns each day into the UTC instant at which it begins; rows
// are 15-minute UTC buckets, and every zone's offset is a whole number of quarter hours, so each
// bucket lies within one local day and each range is an exact run of buckets (for any day since
// 1980; tests/services/metrics-rollups.test.ts checks every zone a user can choose).
const at = (n: 1 | 2 | 3) => `(($${n}::timestamp AT TIME ZONE $4::text) AT TIME ZONE 'UTC')`;
const localDay = (column: string) => `((${column} AT TIME ZONE 'UTC') AT TIME ZONE $4::text)::date`;
const inRange = `bucket >= ${at(1)} AND bucket < ${at(3)}`;
const cur = `bucket >= ${at(2)}`;

// Tables counted over all time keep UTC-day rows (`daily`) and quarter-hour rows: [lo, hi) is the
// whole days inside it plus the quarter hours at its two ragged ends.
const ceilDay = (t: string) =>
  `(date_trunc('day', ${t}) + CASE WHEN ${t} > date_trunc('day', ${t}) THEN interval '1 day' ELSE interval '0' END)`;
const span = (lo: string, hi: string) => {
  const days = `bucket >= ${ceilDay(lo)} AND bucket < date_trunc('day', ${hi})`;
  return `CASE WHEN daily THEN ${days} ELSE bucket >= ${lo} AND bucket < ${hi} AND NOT (${days}) END`;
};
// The rows spans within [lo, hi) can use: day rows, and quarter hours only within the days of the
// instants where spans start or end (written so that the primary key's index finds them).
const rowsFor = (lo: string, hi: string, instants: string[]) => {
  const near = instants.map(
    (t) =>
      `(bucket >= date_trunc('day', ${t}) AND bucket < date_trunc('day', ${t}) + interval '1 day')`,
  );
  return `((daily AND bucket >= date_trunc('day', ${lo}) AND bucket < ${hi}) OR (NOT daily AND (${near.join(' OR ')})))`;
};
const EVER = `'-infinity'::timestamp`;
const ACTIVE = `interval '90 days'`;

// Averages are sums of exact numeric seconds divided by counts, as a recount would.
const CONSULTATIONS = `
  WITH fine AS (
    SELECT ${cur} AS cur, ${localDay('bucket')} AS day, sum(total) AS n, sum(completed) AS completed,
           sum(pending) AS pending, sum(secs) AS secs, sum(secs_n) AS secs_n
      FROM metrics.consultations WHERE ${inRange}
     GROUP BY 1, 2)
  SELECT GROUPING(cur) AS g_cur, GROUPING(d) AS g_d, cur, to_char(d, 'YYYY-MM-DD') AS d,
         sum(n)::int AS total, sum(completed)::int AS completed, sum(pending)::int AS pending,
         (sum(secs) / nullif(sum(secs_n), 0))::float AS avg_secs
    FROM (SELECT fine.*, CASE WHEN cur THEN day END AS d FROM fine) x
   GROUP BY GROUPING SETS ((cur), (d))`;

// Revenue: paid payments by paid_at. Lifetime value: everything paid before the period's end,
// over the customers whose first paid payment came before it.
const PAYMENTS = `
  SELECT coalesce(sum(paid_minor) FILTER (WHERE ${span(at(2), at(3))}), 0)::bigint AS revenue,
         coalesce(sum(paid_minor) FILTER (WHERE ${span(at(1), at(2))}), 0)::bigint AS prev_revenue,
         coalesce(sum(paid_minor) FILTER (WHERE ${span(EVER, at(3))}), 0)::bigint AS paid,
         coalesce(sum(paid_minor) FILTER (WHERE ${span(EVER, at(2))}), 0)::bigint AS prev_paid,
         coalesce(sum(payers) FILTER (WHERE ${span(EVER, at(3))}), 0)::int AS payers,
         coalesce(sum(payers) FILTER (WHERE ${span(EVER, at(2))}), 0)::int AS prev_payers
    FROM metrics.payments WHERE ${rowsFor(EVER, at(3), [at(1), at(2), at(3)])}`;

// Per-agent rows come from their own rollup, over the current range only.
const INTERACTIONS = `
  WITH fine AS (
    SELECT ${cur} AS cur, ${localDay('bucket')} AS day, sum(total) AS n, sum(active) AS active,
           sum(resolved) AS resolved, sum(fr) AS fr, sum(fr_n) AS fr_n, sum(dur) AS dur,
           sum(dur_n) AS dur_n
      FROM metrics.interactions WHERE ${inRange}
     GROUP BY 1, 2)
  SELECT GROUPING(cur) AS g_cur, GROUPING(d) AS g_d, 1 AS g_agent, cur, to_char(d, 'YYYY-MM-DD') AS d,
         NULL::int AS agent, sum(n)::int AS total, sum(active)::int AS active, sum(resolved)::int AS resolved,
         (sum(fr) / nullif(sum(fr_n), 0))::float AS avg_first_response,
         (sum(dur) / nullif(sum(dur_n), 0))::float AS avg_duration
    FROM (SELECT fine.*, CASE WHEN cur THEN day END AS d FROM fine) x
   GROUP BY GROUPING SETS ((cur), (d))
  UNION ALL
  SELECT 1, 1, 0, NULL, NULL, agent_id, sum(total)::int, NULL, NULL, NULL,
         (sum(dur) / nullif(sum(dur_n), 0))::float
    FROM metrics.interaction_agents
   WHERE ${rowsFor(at(2), at(3), [at(2), at(3)])} AND ${span(at(2), at(3))}
   GROUP BY agent_id`;

// Categories and priorities are columns of the rollup; they come back as rows, one per value.
const TICKETS_CREATED = `
  WITH fine AS (
    SELECT ${cur} AS cur, ${localDay('bucket')} AS day, sum(created) AS n, sum(open) AS open,
           sum(billing) AS billing, sum(appointment) AS appointment, sum(technical) AS technical,
           sum(medical) AS medical, sum(urgent) AS urgent, sum(high) AS high, sum(medium) AS medium,
           sum(low) AS low
      FROM metrics.tickets WHERE ${inRange}
     GROUP BY 1, 2)
  SELECT 0 AS g_cur, 1 AS g_d, 1 AS g_category, 1 AS g_priority, cur, NULL AS d, NULL AS category,
         NULL AS priority, sum(n)::int AS total, sum(open)::int AS open
    FROM fine GROUP BY cur
  UNION ALL
  SELECT 1, 0, 1, 1, NULL, to_char(day, 'YYYY-MM-DD'), NULL, NULL, sum(n)::int, sum(open)::int
    FROM fine WHERE cur GROUP BY day
  UNION ALL
  SELECT 1, 1, 0, 1, NULL, NULL, k, NULL, sum(v)::int, NULL
    FROM fine, LATERAL (VALUES ('billing', billing), ('appointment', appointment),
                               ('technical', technical), ('medical', medical)) c(k, v)
   WHERE cur GROUP BY k
  UNION ALL
  SELECT 1, 1, 1, 0, NULL, NULL, NULL, k, sum(v)::int, NULL
    FROM fine, LATERAL (VALUES ('urgent', urgent), ('high', high), ('medium', medium), ('low', low)) p(k, v)
   WHERE cur GROUP BY k`;

// Resolution time excludes the time spent waiting on the customer (paused_seconds). Per-resolver
// rows come from their own rollup; resolver 0 holds tickets resolved by no one in particular.
const TICKETS_RESOLVED = `
  WITH fine AS (
    SELECT ${cur} AS cur, ${localDay('bucket')} AS day, sum(resolved) AS n, sum(secs) AS secs,
           sum(met) AS met
      FROM metrics.tickets WHERE ${inRange} AND resolved <> 0
     GROUP BY 1, 2)
  SELECT GROUPING(cur) AS g_cur, GROUPING(d) AS g_d, 1 AS g_resolver, cur, to_char(d, 'YYYY-MM-DD') AS d,
         NULL::int AS resolver, sum(n)::int AS resolved, (sum(secs) / nullif(sum(n), 0))::float AS avg_secs,
         sum(met)::int AS sla_met
    FROM (SELECT fine.*, CASE WHEN cur THEN day END AS d FROM fine) x
   GROUP BY GROUPING SETS ((cur), (d))
  UNION ALL
  SELECT 1, 1, 0, NULL, NULL, nullif(resolver_id, 0), sum(resolved)::int, NULL, NULL
    FROM metrics.ticket_resolvers
   WHERE ${rowsFor(at(2), at(3), [at(2), at(3)])} AND ${span(at(2), at(3))}
   GROUP BY resolver_id`;

const ESCALATIONS = `
  WITH fine AS (
    SELECT ${cur} AS cur, sum(raised) AS raised, sum(pending) AS pending, sum(in_progress) AS in_progress,
           sum(admin) AS admin, sum(doctor) AS doctor, sum(resolved) AS resolved, sum(secs) AS secs
      FROM metrics.escalations WHERE ${inRange}
     GROUP BY 1)
  SELECT 0 AS g_cur, 1 AS g_target, cur, NULL AS target, raised::int, pending::int,
         in_progress::int, resolved::int, (secs / nullif(resolved, 0))::float AS avg_secs
    FROM fine
  UNION ALL
  SELECT 1, 0, NULL, k, v::int, 0, 0, 0, NULL
    FROM fine, LATERAL (VALUES ('admin', admin), ('doctor', doctor)) t(k, v) WHERE cur`;

// Active: last activity in the 90 days before the period's end (exclusive).
const CUSTOMERS = `
  SELECT coalesce(sum(created) FILTER (WHERE ${span(EVER, at(3))}), 0)::int AS total,
         coalesce(sum(created) FILTER (WHERE ${span(EVER, at(2))}), 0)::int AS prev_total,
         coalesce(sum(created) FILTER (WHERE ${span(at(2), at(3))}), 0)::int AS new,
         coalesce(sum(created) FILTER (WHERE ${span(at(1), at(2))}), 0)::int AS prev_new,
         coalesce(sum(active) FILTER (WHERE ${span(`${at(3)} - ${ACTIVE}`, at(3))}), 0)::int AS active,
         coalesce(sum(active) FILTER (WHERE ${span(`${at(2)} - ${ACTIVE}`, at(2))}), 0)::int AS prev_active
    FROM metrics.customers
   WHERE ${rowsFor(EVER, at(3), [at(1), at(2), at(3), `${at(3)} - ${ACTIVE}`, `${at(2)} - ${ACTIVE}`])}`;

// The range's local days (parameters: start day, end day exclusive).
export const RANGE_DAYS = `
  SELECT to_char(d, 'YYYY-MM-DD') AS day
    FROM generate_series($1::date, $2::date - 1, interval '1 day') AS d`;
// Everyone who may appear in the per-agent table.
export const STAFF_MEMBERS = `
  SELECT id, name, role::text AS role FROM users
   WHERE role IN ('agent', 'supervisor', 'admin')
   ORDER BY name, id`;

/** One statement per source of figures; each returns the rows loadMetrics assembles. */
export interface MetricQueries {
  consultations: string;
  payments: string;
  interactions: string;
  ticketsCreated: string;
  ticketsResolved: string;
  escalations: string;
  customers: string;
}

export const ROLLUP_QUERIES: MetricQueries = {
  consultations: CONSULTATIONS,
  payments: PAYMENTS,
  interactions: INTERACTIONS,
  ticketsCreated: TICKETS_CREATED,
  ticketsResolved: TICKETS_RESOLVED,
  escalations: ESCALATIONS,
  customers: CUSTOMERS,
};
