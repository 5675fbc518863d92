import { isManager, isStaff, type Actor } from '../../auth/actor.js';
import { ForbiddenError } from '../../errors.js';

/** The "All" tab: supervisors and admins. */
export function canViewAll(actor: Actor): boolean {
  return isManager(actor);
}

export function defaultView(actor: Actor): 'mine' | 'all' {
  return isManager(actor) ? 'all' : 'mine';
}

/** Edit and status changes: managers on any ticket; an agent on tickets assigned to them or nobody. */
export function canAct(actor: Actor, ticket: { assigneeId: number | null }): boolean {
  if (isManager(actor)) return true;
  return actor.role === 'agent' && (ticket.assigneeId === null || ticket.assigneeId === actor.id);
}

export function assertCanAct(actor: Actor, ticket: { assigneeId: number | null }): void {
  if (!canAct(actor, ticket))
    throw new ForbiddenError(
      'This ticket is assigned to someone else. Ask a supervisor to reassign it.',
    );
}

export function canAssign(actor: Actor): boolean {
  return isManager(actor);
}

export function canClaim(
  actor: Actor,
  ticket: { assigneeId: number | null; status: string },
): boolean {
  const closed = ticket.status === 'resolved' || ticket.status === 'merged';
  return ticket.assigneeId === null && !closed && isStaff(actor);
}
