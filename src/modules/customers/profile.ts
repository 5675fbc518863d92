import type pg from 'pg';
import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { visibleEscalationIds } from '../escalations/service.js';
import { mayFollow } from './policy.js';
import { customerTimeline, type TimelineItem } from './queries.js';

/** The profile's timeline as this viewer sees it: entries they may not open keep no link. */
export async function timelineFor(
  ctx: { db: Db; pool: pg.Pool },
  actor: Actor,
  customerId: number,
): Promise<TimelineItem[]> {
  const items = await customerTimeline(ctx.pool, customerId, 50);
  const escalationIds = items.filter((t) => t.kind === 'escalation').map((t) => t.id);
  const visible = await visibleEscalationIds(ctx.db, actor, escalationIds);
  return items.map((t) => (mayFollow(actor, t, visible) ? t : { ...t, href: null }));
}
