import { STAFF } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { referenceCacheOf } from '../../db/reference-cache.js';
import type { Prisma } from '../../generated/prisma/client.js';

export interface StaffMember {
  id: number;
  name: string;
  role: string;
}

/**
 * The active desk staff (doctors are not desk staff), by name, read now: inside a transaction,
 * where who may be mentioned must be what that transaction sees, not the cache.
 */
export function readActiveStaff(db: Db | Prisma.TransactionClient): Promise<StaffMember[]> {
  return db.user.findMany({
    where: { active: true, role: { in: [...STAFF] } },
    select: { id: true, name: true, role: true },
    orderBy: { name: 'asc' },
  });
}

/**
 * The active desk staff as the pages offer them: the assignee choices, the list filters and the
 * names offered after "@". Read from the instance's reference cache, which a change to any
 * account's name, role or active flag refreshes on the next request.
 */
export function activeStaff(db: Db): Promise<StaffMember[]> {
  return referenceCacheOf(db).get('active-staff', () => readActiveStaff(db));
}

/**
 * The active doctors, by name: the consultation list's doctor filter. Cached like `activeStaff`;
 * whether a doctor is available right now is not in it (that changes all day, see doctorOptions).
 */
export function activeDoctors(db: Db): Promise<{ id: number; name: string }[]> {
  return referenceCacheOf(db).get('active-doctors', () =>
    db.user.findMany({
      where: { active: true, role: 'doctor' },
      select: { id: true, name: true },
      orderBy: { name: 'asc' },
    }),
  );
}
