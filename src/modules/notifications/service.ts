import type { Db } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { NotificationKind } from './kinds.js';

/** The app's client or an interactive transaction's: a notice is written with the change it tells of. */
export type Writer = Db | Prisma.TransactionClient;

export interface NotifyInput {
  userId: number;
  kind: NotificationKind;
  recordType: string;
  recordId: number;
  actorId?: number | null;
}

/** Stores notices for their recipients, skipping people told about their own action. */
export async function notify(db: Writer, inputs: NotifyInput[]): Promise<void> {
  const rows = inputs.filter((n) => n.userId !== n.actorId);
  if (!rows.length) return;
  await db.notification.createMany({
    data: rows.map((n) => ({
      userId: n.userId,
      kind: n.kind,
      recordType: n.recordType,
      recordId: n.recordId,
      actorId: n.actorId ?? null,
    })),
  });
}

export const LIST_LIMIT = 100;

/** Unread first, then newest first; the most recent LIST_LIMIT. */
const listSelect = {
  id: true,
  kind: true,
  recordType: true,
  recordId: true,
  createdAt: true,
  readAt: true,
  actor: { select: { name: true } },
} as const;

export async function listNotifications(db: Db, userId: number) {
  return db.notification.findMany({
    where: { userId },
    orderBy: [{ readAt: { sort: 'desc', nulls: 'first' } }, { createdAt: 'desc' }, { id: 'desc' }],
    take: LIST_LIMIT,
    select: listSelect,
  });
}

/** One of the user's own notices (null for anyone else's). */
export async function findOwn(db: Db, userId: number, id: number) {
  return db.notification.findFirst({ where: { id, userId }, select: listSelect });
}

export async function unreadCount(db: Db, userId: number): Promise<number> {
  return db.notification.count({ where: { userId, readAt: null } });
}

/** Marks one of the user's own notices read; someone else's id changes nothing. */
export async function markRead(db: Db, userId: number, id: number): Promise<boolean> {
  const where = { id, userId, readAt: null };
  const { count } = await db.notification.updateMany({ where, data: { readAt: new Date() } });
  return count > 0;
}

export async function markAllRead(db: Db, userId: number): Promise<number> {
  const { count } = await db.notification.updateMany({
    where: { userId, readAt: null },
    data: { readAt: new Date() },
  });
  return count;
}
