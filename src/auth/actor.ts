import type { Request } from 'express';
import type { Role } from '../generated/prisma/enums.js';

/** The signed-in person asking: the one input every policy and privacy decision starts from. */
export interface Actor {
  id: number;
  role: Role;
  name?: string;
}

export const ALL_ROLES: readonly Role[] = ['agent', 'supervisor', 'admin', 'doctor'];
/** The care desk's own people; doctors are reached through escalations and consultations. */
export const STAFF: readonly Role[] = ['agent', 'supervisor', 'admin'];
export const MANAGERS: readonly Role[] = ['supervisor', 'admin'];

export function isStaff(actor: { role: Role }): boolean {
  return STAFF.includes(actor.role);
}

export function isManager(actor: { role: Role }): boolean {
  return MANAGERS.includes(actor.role);
}

/** The actor of a request behind requireAuth/requireRole (req.user is set there). */
export function actorOf(req: Request): Actor {
  return { id: req.user!.id, role: req.user!.role, name: req.user!.name };
}
