import type pg from 'pg';
import { PAGE_SIZE } from '../../http/pagination.js';
import { listTicketIds } from '../tickets/queries.js';
import type { NotificationKind } from './kinds.js';

/** Pages of the SLA queues read per run; the rest waits for the next run. */
const MAX_PAGES = 20;
const WATCH_LOCK = "hashtext('caredesk.sla-watch')";
// The SLA queues as the "All tickets" tab computes them, read with a manager's reach.
const SYSTEM = { id: 0, role: 'admin' } as const;
type SlaQueue = NonNullable<Parameters<typeof listTicketIds>[2]['sla']>;
const QUEUES: [SlaQueue, NotificationKind][] = [
  ['due_soon', 'ticket_due_soon'],
  ['breached', 'ticket_breached'],
];

// Each assignee once per ticket and kind: a notification already there is not written again.
const NOTIFY_ASSIGNEES = `
  INSERT INTO notifications (user_id, kind, record_type, record_id)
  SELECT t.assignee_id, $2, 'ticket', t.id FROM support_tickets t
   WHERE t.id = ANY($1::int[]) AND t.assignee_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = t.assignee_id AND n.kind = $2
                        AND n.record_type = 'ticket' AND n.record_id = t.id)`;

interface QueueRun {
  sla: SlaQueue;
  kind: NotificationKind;
  now: Date;
}

/** Tells the assignees of one queue's tickets, page by page; returns how many were told. */
async function notifyQueue(pool: pg.Pool, client: pg.PoolClient, run: QueueRun): Promise<number> {
  let told = 0;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const query = { view: 'all', sla: run.sla } as const;
    const { ids } = await listTicketIds(pool, SYSTEM, query, { page, now: run.now });
    if (!ids.length) break;
    const inserted = await client.query(NOTIFY_ASSIGNEES, [ids, run.kind]);
    told += inserted.rowCount ?? 0;
    if (ids.length <= PAGE_SIZE) break;
  }
  return told;
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
export async function notifyDueTickets(pool: pg.Pool, now = new Date()): Promise<number> {
  return inTransaction(pool, async (client) => {
    const lock = `SELECT pg_try_advisory_xact_lock(${WATCH_LOCK}) AS locked`;
    const { rows } = await client.query<{ locked: boolean }>(lock);
    if (!rows[0].locked) return 0;
    let told = 0;
    for (const [sla, kind] of QUEUES) told += await notifyQueue(pool, client, { sla, kind, now });
    return told;
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
