import type { Db } from '../../db/client.js';
import { NotFoundError } from '../../errors.js';
import type { Activity } from './schema.js';
import { PHOTO_STAMP } from './avatar.js';

export const DAY = 86_400_000;
export const ACTIVE_DAYS = 90;
export const NEW_DAYS = 30;

/** new (joined within 30 days) wins over active (activity within 90 days); otherwise inactive. */
export function activityOf(
  c: { createdAt: Date; lastActivityAt: Date | null },
  now = new Date(),
): Activity {
  if (now.getTime() - c.createdAt.getTime() <= NEW_DAYS * DAY) return 'new';
  if (c.lastActivityAt && now.getTime() - c.lastActivityAt.getTime() <= ACTIVE_DAYS * DAY)
    return 'active';
  return 'inactive';
}

export async function getCustomer(db: Db, id: number) {
  const customer = await db.customer.findUnique({
    where: { id },
    select: {
      id: true,
      firstName: true,
      lastName: true,
      fullName: true,
      email: true,
      phone: true,
      address: true,
      dateOfBirth: true,
      gender: true,
      photo: PHOTO_STAMP,
      emailVerifiedAt: true,
      lastLoginAt: true,
      lastActivityAt: true,
      createdAt: true,
    },
  });
  if (!customer) throw new NotFoundError();
  return customer;
}
