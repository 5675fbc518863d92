import type { Db } from '../../db/client.js';

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
