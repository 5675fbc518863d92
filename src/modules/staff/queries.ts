import type { Db } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { escapeLike } from '../../lib/like.js';
import type { ListQuery } from './schema.js';

/** What the list shows of a person, and what the account page starts from. */
export const STAFF_ROW_SELECT = {
  id: true,
  name: true,
  email: true,
  role: true,
  active: true,
  lastLoginAt: true,
  createdAt: true,
  version: true,
  doctorProfile: { select: { specialization: true, available: true } },
} satisfies Prisma.UserSelect;

export type StaffRow = Prisma.UserGetPayload<{ select: typeof STAFF_ROW_SELECT }>;

/** Name or email contains the text (taken literally), then role and active/disabled; by name. */
export async function listStaff(
  db: Db,
  query: ListQuery,
): Promise<{ rows: StaffRow[]; hasMore: boolean }> {
  const and: Prisma.UserWhereInput[] = [];
  if (query.q) {
    const text = escapeLike(query.q);
    and.push({
      OR: [
        { name: { contains: text, mode: 'insensitive' } },
        { email: { contains: text, mode: 'insensitive' } },
      ],
    });
  }
  if (query.role) and.push({ role: query.role });
  if (query.status) and.push({ active: query.status === 'active' });
  const rows = await db.user.findMany({
    where: { AND: and },
    select: STAFF_ROW_SELECT,
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    skip: (query.page - 1) * PAGE_SIZE,
    take: PAGE_SIZE + 1,
  });
  return { rows: rows.slice(0, PAGE_SIZE), hasMore: rows.length > PAGE_SIZE };
}
