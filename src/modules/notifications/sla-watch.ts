import type pg from 'pg';
import { sqlParams } from '../../db/sql-params.js';
import { SLA_TARGET_IN_FORCE, slaStates } from '../tickets/queries.js';
import type { NotificationKind } from './kinds.js';

/** Notifications written per run at most; the rest are written by the next runs. */
export const MAX_TOLD_PER_RUN = 1_000;
const WATCH_LOCK = "hashtext('caredesk.sla-watch')";
const BREACHED: NotificationKind = 'ticket_breached';
const DUE_SOON: NotificationKind = 'ticket_due_soon';

// Every open, assigned ticket is read once per run, through a partial index that holds what the
// deadlines need (an index-only scan of the open tickets, not the table), and its assignee is told
// about its current state unless they were already. A ticket no one was told about stays a
// candidate until someone is, however many others are due: reading the SLA queues page by page,
// as the list does, read the same first pages again every minute and cost seconds at a million
// tickets. The unique index on (ticket, kind, assignee) keeps "once" true under any race.
function notifySql(now: Date, limit: number): { text: string; values: unknown[] } {
  const { values, bind } = sqlParams();
  const { open, breached, dueSoon } = slaStates(bind, now);
  const text = `
    INSERT INTO notifications (user_id, kind, record_type, record_id)
    SELECT due.assignee_id, due.kind, 'ticket', due.id
      FROM (SELECT t.id, t.assignee_id,
                   CASE WHEN ${breached} THEN '${BREACHED}' WHEN ${dueSoon} THEN '${DUE_SOON}' END AS kind
              FROM support_tickets t ${SLA_TARGET_IN_FORCE}
             WHERE ${open} AND t.assignee_id IS NOT NULL) due
     WHERE due.kind IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM notifications n
                        WHERE n.record_type = 'ticket' AND n.record_id = due.id
                          AND n.kind = due.kind AND n.user_id = due.assignee_id)
     LIMIT ${bind(limit)}
    ON CONFLICT DO NOTHING`;
  return { text, values };
}

/** Runs `work` in one transaction on one connection, rolled back if it fails. */
async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Tells each assignee, once per ticket and kind, that their ticket is due within the hour or has
 * breached. One instance at a time does it (a transaction-scoped advisory lock), so several
 * instances on one database never tell anyone twice.
 */
export async function notifyDueTickets(
  pool: pg.Pool,
  now = new Date(),
  limit = MAX_TOLD_PER_RUN,
): Promise<number> {
  return inTransaction(pool, async (client) => {
    const lock = `SELECT pg_try_advisory_xact_lock(${WATCH_LOCK}) AS locked`;
    const { rows } = await client.query<{ locked: boolean }>(lock);
    if (!rows[0].locked) return 0;
    const told = await client.query(notifySql(now, limit));
    return told.rowCount ?? 0;
  });
}

/** Runs the watch every minute; returns the function that stops it. */
export function startSlaWatch(
  pool: pg.Pool,
  onError: (error: unknown) => void,
  everyMs = 60_000,
): () => void {
  const timer = setInterval(() => void notifyDueTickets(pool).catch(onError), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
