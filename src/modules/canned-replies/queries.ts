import type { Db } from '../../db/client.js';
import { referenceCacheOf } from '../../db/reference-cache.js';

/** What the library list and the edit form show of a saved reply. */
export const REPLY_FIELDS = {
  id: true,
  title: true,
  shortcut: true,
  category: true,
  body: true,
  useCount: true,
  version: true,
} as const;

/** The whole library, grouped by category, titles in order. */
export async function listReplies(db: Db) {
  return db.cannedReply.findMany({
    select: REPLY_FIELDS,
    orderBy: [{ category: 'asc' }, { title: 'asc' }],
  });
}

/**
 * What a note field offers to insert (no bodies, no use counts): from the instance's reference
 * cache, refreshed on the next request after any reply is added, changed or removed.
 */
export function replyChoices(
  db: Db,
): Promise<{ id: number; title: string; shortcut: string; category: string }[]> {
  return referenceCacheOf(db).get('reply-choices', () =>
    db.cannedReply.findMany({
      select: { id: true, title: true, shortcut: true, category: true },
      orderBy: [{ category: 'asc' }, { title: 'asc' }],
    }),
  );
}
