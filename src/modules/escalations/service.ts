import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { writeRecordChanges } from '../../db/record-changes.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type {
  EscalationStatus,
  EscalationTarget,
  TicketStatus,
} from '../../generated/prisma/enums.js';
import { readStatusSnapshot, writeStatus } from '../tickets/status.js';
import { canAct, isStale, type StaleRule } from './policy.js';
import {
  findVisible,
  timelineOf,
  visibleEscalationIds,
  type EscalationRecord,
  type TimelineEntry,
} from './queries.js';

// The rules every escalation use case shares (who sees and who acts, how a status change is
// written), and what other modules may use: ticket and interaction pages list escalations
// through escalationsSeenBy, the customer page through visibleEscalationIds. The use cases
// themselves are in raise.ts and lifecycle.ts.

export { visibleEscalationIds };

export type Tx = Prisma.TransactionClient;

export type EscalationDetail = EscalationRecord & { stale: boolean; timeline: TimelineEntry[] };

/** One escalation the actor may see (404 otherwise), with its status history. */
export async function getEscalation(
  db: Db,
  actor: Actor,
  id: number,
  rule: StaleRule = { staleHours: 4 },
): Promise<EscalationDetail> {
  const row = await findVisible(db, actor, id);
  if (!row) throw new NotFoundError('Escalation not found.');
  const stale = isStale(row.status, row.createdAt, rule.staleHours, rule.now);
  return { ...row, stale, timeline: await timelineOf(db, id) };
}

export function assertMayAct(
  actor: Actor,
  escalation: { targetUserId: number; targetType: EscalationTarget },
): void {
  if (!canAct(actor, escalation))
    throw new ForbiddenError('Only the person this escalation is addressed to can act on it.');
}

/**
 * The escalation an action form is shown again for: 404 when the actor may not see it, 403 when
 * they may not act on it (so someone who may not act never learns what their form got wrong).
 */
export async function getEscalationToActOn(
  db: Db,
  actor: Actor,
  id: number,
  rule: StaleRule,
): Promise<EscalationDetail> {
  const escalation = await getEscalation(db, actor, id, rule);
  assertMayAct(actor, escalation);
  return escalation;
}

/** A status change in the escalation's history. */
export async function recordStatus(
  tx: Tx,
  change: { id: number; actorId: number; from: EscalationStatus | null; to: EscalationStatus },
): Promise<void> {
  const { id: recordId, actorId, from, to } = change;
  await writeRecordChanges(tx, [
    { recordType: 'escalation', recordId, actorId, field: 'status', from, to },
  ]);
}

/**
 * Moves the escalation's ticket through the ticket state machine (tickets/status.ts), re-reading
 * it when someone changed it meanwhile; no-op when it is already there.
 */
export async function moveTicket(
  tx: Tx,
  move: { ticketId: number; to: TicketStatus; actorId: number; now: Date },
): Promise<void> {
  const { ticketId, to, actorId, now } = move;
  for (let attempt = 0; attempt < 3; attempt++) {
    const ticket = await readStatusSnapshot(tx, ticketId);
    if (!ticket || ticket.status === to) return;
    if (await writeStatus(tx, { ticket, to, actorId, now })) return;
  }
  throw new ConflictError('The ticket kept changing while we updated it; try again.', null);
}

/**
 * Escalations listed on a ticket or interaction page, as this viewer may see them: each says
 * whether the viewer may open it, and the outcome (the admin's or doctor's free-text answer) is
 * kept only on those; others show that the escalation exists and its status.
 */
export async function escalationsSeenBy<E extends { id: number; outcome: string | null }>(
  db: Db,
  actor: Actor,
  escalations: E[],
): Promise<(E & { openable: boolean })[]> {
  const openable = await visibleEscalationIds(
    db,
    actor,
    escalations.map((e) => e.id),
  );
  return escalations.map((e) =>
    openable.has(e.id) ? { ...e, openable: true } : { ...e, outcome: null, openable: false },
  );
}
