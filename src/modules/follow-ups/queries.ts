import type pg from 'pg';
import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { epochMs, jsonList } from '../../db/json-select.js';
import type { Parent } from './service.js';

export interface DueRow {
  id: number;
  dueAt: Date;
  reason: string;
  version: number;
  ownerId: number;
  ownerName: string;
  overdue: boolean;
  ticketId: number | null;
  ticketNumber: string | null;
  interactionId: number | null;
  customerName: string;
}

/** Open follow-ups: the viewer's own first, overdue ones on top, then soonest due. */
export async function listDue(pool: pg.Pool, actor: Actor, now = new Date()): Promise<DueRow[]> {
  const { rows } = await pool.query<DueRow>(
    `SELECT f.id, f.due_at AS "dueAt", f.reason, f.version, f.owner_id AS "ownerId", u.name AS "ownerName",
            f.due_at <= ($2::timestamptz AT TIME ZONE 'UTC') AS overdue,
            f.ticket_id AS "ticketId", t.number AS "ticketNumber",
            f.interaction_id AS "interactionId", c.full_name AS "customerName"
       FROM follow_ups f
       JOIN users u ON u.id = f.owner_id
       LEFT JOIN support_tickets t ON t.id = f.ticket_id
       LEFT JOIN interactions i ON i.id = f.interaction_id
       JOIN customers c ON c.id = COALESCE(t.customer_id, i.customer_id)
      WHERE f.status = 'open'
      ORDER BY (f.owner_id = $1) DESC, overdue DESC, f.due_at ASC, f.id ASC
      LIMIT 200`,
    [actor.id, now.toISOString()],
  );
  return rows;
}

/**
 * Open follow-ups on the record whose id is `idColumn`, soonest due first, as a JSON array for a
 * page that reads its record in one statement; `followUpOf` turns each element into the shape
 * `openFollowUps` returns.
 */
export const openFollowUpsJson = (parent: 'ticket_id' | 'interaction_id', idColumn: string) =>
  jsonList(`SELECT json_agg(json_build_object(
                     'id', f.id, 'dueAt', ${epochMs('f.due_at')}, 'reason', f.reason,
                     'version', f.version, 'ownerName', o.name)
                   ORDER BY f.due_at, f.id)
              FROM follow_ups f JOIN users o ON o.id = f.owner_id
             WHERE f.${parent} = ${idColumn} AND f.status = 'open'`);

export interface FollowUpJson {
  id: number;
  dueAt: number;
  reason: string;
  version: number;
  ownerName: string;
}

export const followUpOf = (f: FollowUpJson) => ({
  id: f.id,
  dueAt: new Date(f.dueAt),
  reason: f.reason,
  version: f.version,
  owner: { name: f.ownerName },
});

/** Open follow-ups on one record, for its page. */
export async function openFollowUps(db: Db, parent: Parent) {
  return db.followUp.findMany({
    where: { ...parent, status: 'open' },
    select: {
      id: true,
      dueAt: true,
      reason: true,
      version: true,
      owner: { select: { name: true } },
    },
    orderBy: { dueAt: 'asc' },
  });
}
