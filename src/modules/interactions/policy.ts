import { isManager, isStaff, type Actor } from '../../auth/actor.js';
import { ForbiddenError } from '../../errors.js';

/** Any staff member may read any interaction (customer history), doctors may not. */
export function canView(actor: Actor): boolean {
  return isStaff(actor);
}

/** Notes, pending, end: the owning agent, or a supervisor/admin. */
export function canAct(actor: Actor, interaction: { agentId: number }): boolean {
  return isManager(actor) || (actor.role === 'agent' && interaction.agentId === actor.id);
}

export function assertCanAct(actor: Actor, interaction: { agentId: number }): void {
  if (!canAct(actor, interaction))
    throw new ForbiddenError(
      'Only the agent handling this interaction, or a supervisor, can change it.',
    );
}

/** Agents look at their own queue unless they ask for everything. */
export function defaultScope(actor: Actor): 'mine' | 'all' {
  return actor.role === 'agent' ? 'mine' : 'all';
}
