import type { Db } from '../../db/client.js';

/**
 * The tickets raised about one consultation, newest first, as the consultation page lists them:
 * number, subject, status and priority.
 */
export function ticketsOfConsultation(db: Db, consultationId: number) {
  return db.supportTicket.findMany({
    where: { consultationId },
    orderBy: { createdAt: 'desc' },
    take: 50,
    select: {
      id: true,
      number: true,
      subject: true,
      status: true,
      priority: true,
      createdAt: true,
    },
  });
}
