import { isStaff, type Actor } from '../../auth/actor.js';
import { ForbiddenError } from '../../errors.js';
import type { TimelineItem } from './queries.js';

/** Contact details are corrected by customer care (from a call, once the caller is verified). */
export function mayCorrectContact(actor: Actor): boolean {
  return isStaff(actor);
}

export function assertMayCorrectContact(actor: Actor): void {
  if (!mayCorrectContact(actor))
    throw new ForbiddenError('Contact details are corrected by customer care.');
}

/** Doctors have no ticket or interaction pages (an identity check links to its interaction). */
const STAFF_PAGES: readonly string[] = ['ticket', 'interaction', 'identity check'];

/**
 * Whether the viewer may follow a timeline entry's link; `visibleEscalations` are the escalations
 * the viewer may open (escalations are scoped to the people they involve).
 */
export function mayFollow(
  actor: Actor,
  item: Pick<TimelineItem, 'kind' | 'id'>,
  visibleEscalations: ReadonlySet<number>,
): boolean {
  if (item.kind === 'escalation') return visibleEscalations.has(item.id);
  return isStaff(actor) || !STAFF_PAGES.includes(item.kind);
}
