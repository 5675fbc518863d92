import type { Prisma } from '../../generated/prisma/client.js';
import type { TicketStatus } from '../../generated/prisma/enums.js';
import { recordChanges } from './history.js';

/**
 * The ticket state machine: which status a person may move a ticket to, and what every status
 * change writes besides the status (SLA pause bookkeeping, resolution stamps, reopen count, first
 * response). Tickets, bulk changes and escalations all change a ticket's status through here.
 */

/** Moves a person may make from the ticket page or the list. */
export const TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ['pending', 'resolved'],
  pending: ['open', 'resolved'],
  // Set only by raising an escalation; people move the ticket on from there.
  escalated: ['open', 'pending', 'resolved'],
  resolved: ['open'],
  // Final: its conversation continues on the ticket it was merged into.
  merged: [],
};

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export interface StatusButton {
  to: TicketStatus;
  label: string;
}

/** The status buttons the ticket page shows: exactly the moves TRANSITIONS allows. */
export function statusButtons(status: TicketStatus): StatusButton[] {
  const label = (to: TicketStatus): string => {
    if (to === 'pending') return 'Set pending';
    if (to === 'resolved') return 'Resolve';
    return status === 'resolved' ? 'Reopen' : 'Back to open';
  };
  const order: TicketStatus[] = ['pending', 'resolved', 'open'];
  return order.filter((to) => canTransition(status, to)).map((to) => ({ to, label: label(to) }));
}

/** What a status change needs to know about the ticket as it is now. */
export interface StatusSnapshot {
  status: TicketStatus;
  pendingSince: Date | null;
  resolvedAt: Date | null;
}

export interface StatusUpdate {
  data: Prisma.SupportTicketUncheckedUpdateManyInput;
  /** Leaving `resolved`: the ticket counts as reopened. */
  reopened: boolean;
}

const secondsBetween = (from: Date, to: Date) =>
  Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));

/**
 * The columns a move to `to` writes. Pending and resolved periods are paused time for the
 * resolution clock: both are added to pausedSeconds when the ticket leaves them.
 */
export function statusUpdate(options: {
  ticket: StatusSnapshot;
  to: TicketStatus;
  actorId: number;
  now: Date;
}): StatusUpdate {
  const { ticket, to, actorId, now } = options;
  const data: Prisma.SupportTicketUncheckedUpdateManyInput = {
    status: to,
    version: { increment: 1 },
  };
  let paused = 0;
  if (ticket.pendingSince) {
    paused += secondsBetween(ticket.pendingSince, now);
    data.pendingSince = null;
  }
  if (to === 'pending') data.pendingSince = now;
  if (to === 'resolved') Object.assign(data, { resolvedAt: now, resolvedById: actorId });
  const reopened = ticket.status === 'resolved' && to !== 'resolved';
  if (reopened) {
    if (ticket.resolvedAt) paused += secondsBetween(ticket.resolvedAt, now);
    Object.assign(data, { resolvedAt: null, resolvedById: null, reopenCount: { increment: 1 } });
  }
  if (paused) data.pausedSeconds = { increment: paused };
  return { data, reopened };
}

/** Any change by staff counts as the first response when none was recorded yet. */
export async function stampFirstResponse(tx: Prisma.TransactionClient, id: number, now: Date) {
  await tx.supportTicket.updateMany({
    where: { id, firstResponseAt: null },
    data: { firstResponseAt: now },
  });
}

/** The ticket as a status change reads it first (null when there is no such ticket). */
export function readStatusSnapshot(tx: Prisma.TransactionClient, id: number) {
  return tx.supportTicket.findUnique({
    where: { id },
    select: { id: true, status: true, version: true, pendingSince: true, resolvedAt: true },
  });
}

/**
 * Writes the move, guarded by the version the caller read, with its history rows and the first
 * response stamp. False when the ticket changed since it was read (nothing written then).
 */
export async function writeStatus(
  tx: Prisma.TransactionClient,
  options: {
    ticket: StatusSnapshot & { id: number; version: number };
    to: TicketStatus;
    actorId: number;
    now: Date;
  },
): Promise<boolean> {
  const { ticket, to, actorId, now } = options;
  const { data, reopened } = statusUpdate(options);
  const { count } = await tx.supportTicket.updateMany({
    where: { id: ticket.id, version: ticket.version },
    data,
  });
  if (count === 0) return false;
  await stampFirstResponse(tx, ticket.id, now);
  const moved = { ticketId: ticket.id, field: 'status', from: ticket.status, to };
  const reopen = { ticketId: ticket.id, field: 'reopened', from: null, to: 'yes' };
  await recordChanges(tx, actorId, reopened ? [moved, reopen] : [moved]);
  return true;
}
