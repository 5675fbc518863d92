import type { Role } from '../../generated/prisma/enums.js';
import { ForbiddenError } from '../../errors.js';

export interface Actor {
  id: number;
  role: Role;
  name?: string;
}

const STAFF_ROLES: Role[] = ['agent', 'supervisor', 'admin'];

export function isManager(actor: Actor): boolean {
  return actor.role === 'supervisor' || actor.role === 'admin';
}

/** Any staff member may read any interaction (customer history), doctors may not. */
export function canView(actor: Actor): boolean {
  return STAFF_ROLES.includes(actor.role);
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
