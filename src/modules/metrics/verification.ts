import type pg from 'pg';
import type { DateRange } from './schema.js';

export interface VerificationFigures {
  interactions: number;
  verified: number;
  overridden: number;
  failedAttempts: number;
  locked: number;
  /** Verified interactions as a share of those started in the range, 0–1; null when none. */
  share: number | null;
}

// $1 start day, $2 end day (exclusive), both local to the zone $3; stored times are UTC.
const bound = (n: 1 | 2) => `(($${n}::timestamp AT TIME ZONE $3::text) AT TIME ZONE 'UTC')`;

// Interactions started in the range come from the rollup (a sum per quarter hour); the checks are
// reached from the verifications joined to their interactions, so neither side scans a month of
// interactions.
const SQL = `
  WITH per AS (
    SELECT v.interaction_id,
           bool_or(v.result = 'passed' AND v.method <> 'override') AS verified,
           bool_or(v.method = 'override') AS overridden,
           count(*) FILTER (WHERE v.result = 'failed') AS failed
      FROM caller_verifications v JOIN interactions i ON i.id = v.interaction_id
     WHERE i.started_at >= ${bound(1)} AND i.started_at < ${bound(2)}
     GROUP BY v.interaction_id)
  SELECT (SELECT coalesce(sum(total), 0) FROM metrics.interactions
           WHERE bucket >= ${bound(1)} AND bucket < ${bound(2)})::int AS interactions,
         count(*) FILTER (WHERE verified)::int AS verified,
         count(*) FILTER (WHERE overridden AND NOT verified)::int AS overridden,
         coalesce(sum(failed), 0)::int AS failed_attempts,
         count(*) FILTER (WHERE failed >= 3 AND NOT verified)::int AS locked
    FROM per`;

/** Caller verification over the interactions started in the range (local days in `timeZone`). */
export async function verificationFigures(
  pool: pg.Pool,
  range: Pick<DateRange, 'start' | 'end'>,
  timeZone: string,
): Promise<VerificationFigures> {
  const { rows } = await pool.query(SQL, [range.start, range.end, timeZone]);
  const r = rows[0];
  return {
    interactions: r.interactions,
    verified: r.verified,
    overridden: r.overridden,
    failedAttempts: r.failed_attempts,
    locked: r.locked,
    share: r.interactions ? r.verified / r.interactions : null,
  };
}
