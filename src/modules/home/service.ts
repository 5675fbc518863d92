import type pg from 'pg';

export interface HomeCounts {
  openTickets: number;
  myOpenTickets: number;
  activeInteractions: number;
  myActiveInteractions: number;
  pendingEscalations: number;
  escalationsToMe: number;
  pendingConsultations: number;
  myScheduledConsultations: number;
  myDueFollowUps: number;
}

/** Live counts for the home page, one round trip of SQL aggregates. */
export async function homeCounts(pool: pg.Pool, userId: number): Promise<HomeCounts> {
  const { rows } = await pool.query(
    `SELECT
       (SELECT count(*) FROM support_tickets WHERE status IN ('open','pending','escalated'))::int AS "openTickets",
       (SELECT count(*) FROM support_tickets WHERE assignee_id = $1 AND status IN ('open','pending','escalated'))::int AS "myOpenTickets",
       (SELECT count(*) FROM interactions WHERE status = 'active')::int AS "activeInteractions",
       (SELECT count(*) FROM interactions WHERE agent_id = $1 AND status = 'active')::int AS "myActiveInteractions",
       (SELECT count(*) FROM escalations WHERE status = 'pending')::int AS "pendingEscalations",
       (SELECT count(*) FROM escalations WHERE target_user_id = $1 AND status IN ('pending','in_progress'))::int AS "escalationsToMe",
       (SELECT count(*) FROM consultations WHERE status = 'pending')::int AS "pendingConsultations",
       (SELECT count(*) FROM consultations WHERE doctor_id = $1 AND status = 'scheduled')::int AS "myScheduledConsultations",
       (SELECT count(*) FROM follow_ups
         WHERE owner_id = $1 AND status = 'open' AND due_at <= now() AT TIME ZONE 'UTC')::int AS "myDueFollowUps"`,
    [userId],
  );
  return rows[0] as HomeCounts;
}
