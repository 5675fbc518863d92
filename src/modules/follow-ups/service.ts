import { isManager, type Actor } from '../../auth/actor.js';
import type pg from 'pg';
import type { Db } from '../../db/client.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TransitionError,
  ValidationError,
} from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { FollowUpInput } from './schema.js';

export type Parent = { ticketId: number } | { interactionId: number };

export const PAST_DUE = 'Choose a time in the future.';

function stamp(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

/** Follow-up events go into the parent record's history, next to its other changes. */
async function record(
  tx: Prisma.TransactionClient,
  parent: Parent,
  actorId: number,
  fromValue: string | null,
  toValue: string,
) {
  const [recordType, recordId] =
    'ticketId' in parent
      ? (['ticket', parent.ticketId] as const)
      : (['interaction', parent.interactionId] as const);
  await tx.recordChange.create({
    data: { recordType, recordId, actorId, field: 'follow-up', fromValue, toValue },
  });
}

async function assertParent(db: Db, parent: Parent) {
  if ('ticketId' in parent) {
    const t = await db.supportTicket.findUnique({
      where: { id: parent.ticketId },
      select: { status: true },
    });
    if (!t) throw new NotFoundError('No such ticket.');
    if (t.status === 'merged')
      throw new TransitionError(
        'This ticket was merged; set the follow-up on the ticket it was merged into.',
      );
  } else {
    const i = await db.interaction.findUnique({
      where: { id: parent.interactionId },
      select: { id: true },
    });
    if (!i) throw new NotFoundError('No such interaction.');
  }
}

export async function createFollowUp(
  db: Db,
  actor: Actor,
  parent: Parent,
  input: FollowUpInput,
  now = new Date(),
) {
  await assertParent(db, parent);
  if (input.dueAt.getTime() <= now.getTime())
    throw new ValidationError(PAST_DUE, { dueAt: PAST_DUE });
  return db.$transaction(async (tx) => {
    const row = await tx.followUp.create({
      data: {
        ...parent,
        ownerId: actor.id,
        dueAt: input.dueAt,
        reason: input.reason,
        createdAt: now,
      },
      select: { id: true },
    });
    await record(tx, parent, actor.id, null, `due ${stamp(input.dueAt)} UTC`);
    return row;
  });
}

async function loadOpen(db: Db, actor: Actor, id: number) {
  const f = await db.followUp.findUnique({ where: { id } });
  if (!f) throw new NotFoundError('No such follow-up.');
  if (f.ownerId !== actor.id && !isManager(actor))
    throw new ForbiddenError('Only its owner or a supervisor can change a follow-up.');
  if (f.status !== 'open') throw new TransitionError(`This follow-up is already ${f.status}.`);
  return f;
}

function parentOf(f: { ticketId: number | null; interactionId: number | null }): Parent {
  return f.ticketId !== null ? { ticketId: f.ticketId } : { interactionId: f.interactionId! };
}

async function write(
  db: Db,
  actor: Actor,
  f: { id: number; version: number },
  data: Prisma.FollowUpUpdateManyMutationInput,
  log: [string, string],
  parent: Parent,
) {
  await db.$transaction(async (tx) => {
    const { count } = await tx.followUp.updateMany({
      where: { id: f.id, version: f.version, status: 'open' },
      data: { ...data, version: { increment: 1 } },
    });
    if (count === 0)
      throw new ConflictError('Someone changed this follow-up since you loaded it.', null);
    await record(tx, parent, actor.id, log[0], log[1]);
  });
}

export async function closeFollowUp(
  db: Db,
  actor: Actor,
  id: number,
  outcome: 'done' | 'cancelled',
  version: number,
  now = new Date(),
) {
  const f = await loadOpen(db, actor, id);
  if (f.version !== version)
    throw new ConflictError('Someone changed this follow-up since you loaded it.', null);
  await write(
    db,
    actor,
    f,
    { status: outcome, closedAt: now },
    [`due ${stamp(f.dueAt)} UTC`, outcome],
    parentOf(f),
  );
}

/** Pushes the time on by some hours from whichever is later, the due time or now. */
export async function snoozeFollowUp(
  db: Db,
  actor: Actor,
  id: number,
  hours: number,
  version: number,
  now = new Date(),
) {
  const f = await loadOpen(db, actor, id);
  if (f.version !== version)
    throw new ConflictError('Someone changed this follow-up since you loaded it.', null);
  const dueAt = new Date(Math.max(f.dueAt.getTime(), now.getTime()) + hours * 3_600_000);
  const log: [string, string] = [`due ${stamp(f.dueAt)} UTC`, `snoozed to ${stamp(dueAt)} UTC`];
  await write(db, actor, f, { dueAt, snoozeCount: { increment: 1 } }, log, parentOf(f));
}

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
