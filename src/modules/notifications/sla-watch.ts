import type pg from 'pg';
import { PAGE_SIZE } from '../../http/pagination.js';
import { listTicketIds } from '../tickets/queries.js';
import type { NotificationKind } from './kinds.js';

/** Pages of the SLA queues read per run; the rest waits for the next run. */
const MAX_PAGES = 20;
const WATCH_LOCK = "hashtext('caredesk.sla-watch')";
// The SLA queues as the "All tickets" tab computes them, read with a manager's reach.
const SYSTEM = { id: 0, role: 'admin' } as const;
const QUEUES: [NonNullable<Parameters<typeof listTicketIds>[2]['sla']>, NotificationKind][] = [
  ['due_soon', 'ticket_due_soon'],
  ['breached', 'ticket_breached'],
];

/**
 * Tells each assignee, once per ticket and kind, that their ticket is due within the hour or has
 * breached. One instance at a time does it (a transaction-scoped advisory lock), so several
 * instances on one database never tell anyone twice.
 */
export async function notifyDueTickets(pool: pg.Pool, now = new Date()): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const lock = `SELECT pg_try_advisory_xact_lock(${WATCH_LOCK}) AS locked`;
    const { rows } = await client.query<{ locked: boolean }>(lock);
    let told = 0;
    if (rows[0].locked) {
      for (const [sla, kind] of QUEUES) {
        for (let page = 1; page <= MAX_PAGES; page++) {
          const { ids } = await listTicketIds(pool, SYSTEM, { view: 'all', sla }, page, now);
          if (!ids.length) break;
          const inserted = await client.query(
            `INSERT INTO notifications (user_id, kind, record_type, record_id)
             SELECT t.assignee_id, $2, 'ticket', t.id FROM support_tickets t
              WHERE t.id = ANY($1::int[]) AND t.assignee_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = t.assignee_id AND n.kind = $2
                                   AND n.record_type = 'ticket' AND n.record_id = t.id)`,
            [ids, kind],
          );
          told += inserted.rowCount ?? 0;
          if (ids.length <= PAGE_SIZE) break;
        }
      }
    }
    await client.query('COMMIT');
    return told;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
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
