import { isStaff, type Actor } from '../../auth/actor.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { EscalationStatus, EscalationTarget } from '../../generated/prisma/enums.js';

/** Who may raise escalations. */
export function canRaise(actor: Actor): boolean {
  return isStaff(actor);
}

/**
 * The escalations a user may see at all (list and detail):
 * doctors only those addressed to them; agents those they raised, those on tickets assigned to
 * them, and any addressed to them; supervisors and admins all.
 */
export function visibleWhere(actor: Actor): Prisma.EscalationWhereInput {
  switch (actor.role) {
    case 'doctor':
      return { targetUserId: actor.id };
    case 'agent':
      return {
        OR: [
          { raisedById: actor.id },
          { targetUserId: actor.id },
          { ticket: { is: { assigneeId: actor.id } } },
        ],
      };
    default:
      return {};
  }
}

/** visibleWhere in SQL over `escalations e`, for the CSV export's cursor; `p` binds a value. */
export function visibleSql(actor: Actor, p: (value: unknown) => string): string | null {
  switch (actor.role) {
    case 'doctor':
      return `e.target_user_id = ${p(actor.id)}`;
    case 'agent': {
      const me = p(actor.id);
      return `(e.raised_by_id = ${me} OR e.target_user_id = ${me}
        OR e.ticket_id IN (SELECT id FROM support_tickets WHERE assignee_id = ${me}))`;
    }
    default:
      return null;
  }
}

/** Admins default to "addressed to me" in the list and may widen it with ?scope=all. */
export function defaultScope(actor: Actor): 'mine' | 'all' {
  return actor.role === 'admin' ? 'mine' : 'all';
}

/** Only the named recipient acts; any admin may also act on an admin-type escalation. */
export function canAct(
  actor: Actor,
  escalation: { targetUserId: number; targetType: EscalationTarget },
): boolean {
  if (escalation.targetUserId === actor.id) return true;
  return actor.role === 'admin' && escalation.targetType === 'admin';
}

export const OPEN_STATUSES: EscalationStatus[] = ['pending', 'in_progress'];

/** Which actions the lifecycle allows from a status. */
export const TRANSITIONS: Record<'take' | 'resolve' | 'close', EscalationStatus[]> = {
  take: ['pending'],
  resolve: ['pending', 'in_progress'],
  close: ['pending', 'in_progress'],
};

export function allowedActions(status: EscalationStatus): Array<'take' | 'resolve' | 'close'> {
  return (Object.keys(TRANSITIONS) as Array<'take' | 'resolve' | 'close'>).filter((action) =>
    TRANSITIONS[action].includes(status),
  );
}

/** How many hours a pending escalation may wait before it counts as stale, judged at `now`. */
export interface StaleRule {
  staleHours: number;
  now?: Date;
}

/** Pending for longer than the threshold: the list flags it and its "stale" filter finds it. */
export function isStale(
  status: EscalationStatus,
  createdAt: Date,
  staleHours: number,
  now = new Date(),
): boolean {
  return status === 'pending' && now.getTime() - createdAt.getTime() > staleHours * 3_600_000;
}

/** Whether this person sees every escalation (supervisors, admins): visibleWhere adds nothing. */
export function seesEveryEscalation(actor: Actor): boolean {
  return Object.keys(visibleWhere(actor)).length === 0;
}
