import { createHash, randomBytes } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';

export const RESET_LINK_HOURS = 24;
export const RESET_PATH = '/reset-password';

export function hashResetToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Issues a new single-use link for a person, retiring any earlier unused one. Returns the token
 * itself, which exists nowhere else: it is shown once and only its hash is kept.
 */
export async function issueResetToken(
  tx: Prisma.TransactionClient,
  userId: number,
  now: Date,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await tx.passwordReset.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
  await tx.passwordReset.create({
    data: {
      userId,
      tokenHash: hashResetToken(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + RESET_LINK_HOURS * 3_600_000),
    },
  });
  return token;
}
