import type { Actor } from '../../auth/actor.js';
import { writeRecordChanges } from '../../db/record-changes.js';
import type { Prisma } from '../../generated/prisma/client.js';

/** One row of a ticket's history: which field moved from what to what. */
export interface TicketChange {
  ticketId: number;
  field: string;
  from: string | null;
  to: string | null;
}

/** Writes several rows of ticket history at once, in the order given. */
export async function recordChanges(
  tx: Prisma.TransactionClient,
  actorId: number,
  changes: TicketChange[],
): Promise<void> {
  await writeRecordChanges(
    tx,
    changes.map(({ ticketId, ...change }) => ({
      recordType: 'ticket',
      recordId: ticketId,
      actorId,
      ...change,
    })),
  );
}

export async function recordChange(
  tx: Prisma.TransactionClient,
  actor: Actor,
  change: TicketChange,
): Promise<void> {
  await recordChanges(tx, actor.id, [change]);
}
