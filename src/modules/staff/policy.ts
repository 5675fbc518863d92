import type { Actor } from '../../auth/actor.js';
import type { Role } from '../../generated/prisma/enums.js';

export const SELF_CHANGE_REFUSED =
  'You cannot disable or change the role of your own account; ask another admin.';
export const LAST_ADMIN_REFUSED =
  'This is the last active admin: make someone else an admin first.';

/** Doctors set their own availability; admins set anyone's. */
export function canSetAvailability(actor: Actor, doctorId: number): boolean {
  return actor.role === 'admin' || (actor.role === 'doctor' && actor.id === doctorId);
}

/** Would this change leave the account without the admin role or switched off? */
export function removesAdmin(
  current: { role: Role; active: boolean },
  next: { role: Role; active: boolean },
): boolean {
  return current.role === 'admin' && current.active && (next.role !== 'admin' || !next.active);
}
