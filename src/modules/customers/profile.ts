import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { visibleEscalationIds } from '../escalations/service.js';
import { mayFollow } from './policy.js';
import type { TimelineItem } from './queries.js';

/** The profile's timeline as this viewer sees it: entries they may not open keep no link. */
export async function timelineFor(
  db: Db,
  actor: Actor,
  items: TimelineItem[],
): Promise<TimelineItem[]> {
  const escalationIds = items.filter((t) => t.kind === 'escalation').map((t) => t.id);
  const visible = await visibleEscalationIds(db, actor, escalationIds);
  return items.map((t) => (mayFollow(actor, t, visible) ? t : { ...t, href: null }));
}
