import type pg from 'pg';
import type { PresenceType } from './schema.js';

export interface Report {
  tabId: string;
  userId: number;
  recordType: PresenceType;
  recordId: number;
  editing: boolean;
}

const TABLES: Record<PresenceType, string> = {
  ticket: 'support_tickets',
  interaction: 'interactions',
  escalation: 'escalations',
  consultation: 'consultations',
};

/**
 * Records that a tab has the record open (and whether its form holds unsaved input). Arriving,
 * moving to another record and starting or stopping editing are announced; the periodic
 * "still here" refresh is not, so idle pages cost the streams nothing.
 */
export async function reportPresence(pool: pg.Pool, r: Report): Promise<void> {
  await pool.query(
    `WITH before AS (SELECT record_type, record_id, editing FROM presence WHERE tab_id = $1),
          upsert AS (
            INSERT INTO presence (tab_id, user_id, record_type, record_id, editing, seen_at)
            VALUES ($1, $2, $3, $4, $5, now())
            ON CONFLICT (tab_id) DO UPDATE
              SET user_id = $2, record_type = $3, record_id = $4, editing = $5, seen_at = now()
            RETURNING tab_id)
     SELECT live.announce(t.record_type || '.presence', t.record_id, NULL, NULL)
       FROM (SELECT $3::text AS record_type, $4::int AS record_id
              WHERE NOT EXISTS (SELECT 1 FROM before b WHERE b.record_type = $3 AND b.record_id = $4 AND b.editing = $5)
             UNION
             SELECT b.record_type, b.record_id FROM before b WHERE b.record_type <> $3 OR b.record_id <> $4) t
      WHERE EXISTS (SELECT 1 FROM upsert)`,
    [r.tabId, r.userId, r.recordType, r.recordId, r.editing],
  );
}

/** A closing tab leaves at once (the sweep catches the tabs that could not say so). */
export async function leave(pool: pg.Pool, userId: number, tabId: string): Promise<void> {
  await pool.query(
    `WITH gone AS (DELETE FROM presence WHERE tab_id = $1 AND user_id = $2 RETURNING record_type, record_id)
     SELECT live.announce(record_type || '.presence', record_id, NULL, NULL) FROM gone`,
    [tabId, userId],
  );
}

export interface Presence {
  viewing: string[];
  editing: string[];
  /** Who saved the record last and when, if it moved past the version the viewer loaded. */
  savedSince: { name: string | null; at: Date } | null;
}

/** Other people on the record right now, and a save made after the viewer's version. */
export async function presenceOf(
  pool: pg.Pool,
  viewerId: number,
  target: { type: PresenceType; id: number; version?: number },
  ttlSeconds: number,
): Promise<Presence> {
  const people = await pool.query<{ name: string; editing: boolean }>(
    `SELECT u.name, bool_or(p.editing) AS editing FROM presence p JOIN users u ON u.id = p.user_id
      WHERE p.record_type = $1 AND p.record_id = $2 AND p.user_id <> $3
        AND p.seen_at >= now() - make_interval(secs => $4)
      GROUP BY u.id, u.name ORDER BY u.name`,
    [target.type, target.id, viewerId, ttlSeconds],
  );
  let savedSince: Presence['savedSince'] = null;
  if (target.version !== undefined) {
    const { rows } = await pool.query<{ version: number; updatedAt: Date; name: string | null }>(
      `SELECT r.version, r.updated_at AS "updatedAt",
              (SELECT u.name FROM record_changes c JOIN users u ON u.id = c.actor_id
                WHERE c.record_type = $2::"RecordType" AND c.record_id = r.id
                ORDER BY c.created_at DESC, c.id DESC LIMIT 1) AS name
         FROM ${TABLES[target.type]} r WHERE r.id = $1`,
      [target.id, target.type],
    );
    const row = rows[0];
    if (row && row.version > target.version) savedSince = { name: row.name, at: row.updatedAt };
  }
  return {
    viewing: people.rows.filter((p) => !p.editing).map((p) => p.name),
    editing: people.rows.filter((p) => p.editing).map((p) => p.name),
    savedSince,
  };
}
