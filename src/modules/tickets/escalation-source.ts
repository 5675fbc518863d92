import type { Db } from '../../db/client.js';

/**
 * A ticket as an escalation names the record it is raised from: number, subject, status and the
 * customer's name, nothing else. Null when there is no such ticket.
 */
export function ticketAsEscalationSource(db: Db, id: number) {
  return db.supportTicket.findUnique({
    where: { id },
    select: {
      id: true,
      number: true,
      subject: true,
      status: true,
      customerId: true,
      customer: { select: { fullName: true } },
    },
  });
}
