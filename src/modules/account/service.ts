import type { Actor } from '../../auth/actor.js';
import { passwordProblem } from '../../auth/password-policy.js';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import { hashResetToken } from '../../auth/reset-links.js';
import { endSessions } from '../../auth/sessions.js';
import type { Db } from '../../db/client.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { recordUserChange } from '../staff/service.js';
import type { ChangePasswordInput, NewPasswordInput } from './schema.js';
import type pg from 'pg';

export const LINK_INVALID =
  'This sign-in link has expired or was already used. Ask an admin for a new one.';
const MISMATCH = 'The two passwords differ; type the same new password twice.';

function refuse(field: string, message: string): never {
  throw new ValidationError(message, { [field]: message });
}

function assertNewPassword(input: NewPasswordInput, person: { name: string; email: string }): void {
  const problem = passwordProblem(input.password, [person.name, person.email]);
  if (problem) refuse('password', problem);
  if (input.password !== input.confirm) refuse('confirm', MISMATCH);
}

export async function accountOf(db: Db, userId: number) {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: {
      id: true,
      name: true,
      email: true,
      role: true,
      lastLoginAt: true,
      totpEnabledAt: true,
      doctorProfile: { select: { specialization: true, available: true } },
    },
  });
  if (!user) throw new NotFoundError();
  const { totpEnabledAt, ...rest } = user;
  return { ...rest, twoFactorOn: totpEnabledAt !== null };
}

export interface PasswordChange {
  actor: Actor;
  input: ChangePasswordInput;
  /** The session the change is made from: the one session that stays signed in. */
  keepSid: string;
  ip?: string;
}

async function assertCurrentPassword(db: Db, actor: Actor, input: ChangePasswordInput) {
  const user = await db.user.findUniqueOrThrow({
    where: { id: actor.id },
    select: { name: true, email: true, passwordHash: true },
  });
  if (!input.current || !(await verifyPassword(user.passwordHash, input.current)))
    refuse('current', 'Your current password is not right.');
  return user;
}

function assertPasswordChanges(input: ChangePasswordInput): void {
  if (input.password === input.current)
    refuse('password', 'Choose a password different from the current one.');
}

/**
 * Changes one's own password: the current one proves it is the person at the keyboard, and every
 * other session ends, so whoever may have learnt the old password is signed out too. Says how many
 * other sessions ended.
 */
export async function changePassword(
  db: Db,
  { actor, input, keepSid, ip }: PasswordChange,
): Promise<number> {
  const user = await assertCurrentPassword(db, actor, input);
  assertPasswordChanges(input);
  assertNewPassword(input, user);
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    await tx.user.update({
      where: { id: actor.id },
      data: { passwordHash, version: { increment: 1 } },
    });
    await tx.passwordReset.updateMany({
      where: { userId: actor.id, usedAt: null },
      data: { usedAt: new Date() },
    });
    const ended = await endSessions(tx, actor.id, keepSid);
    await recordUserChange(tx, {
      actor,
      userId: actor.id,
      field: 'password',
      from: null,
      to: 'changed',
      action: 'password_changed',
      ip,
    });
    return ended;
  });
}

/** The person a sign-in link is for, while it is unused, unexpired and their account active. */
export async function resetLinkOwner(
  db: Db,
  token: string,
  now = new Date(),
): Promise<{ id: number; name: string; email: string } | null> {
  const link = await db.passwordReset.findUnique({
    where: { tokenHash: hashResetToken(token) },
    select: {
      usedAt: true,
      expiresAt: true,
      user: { select: { id: true, name: true, email: true, active: true } },
    },
  });
  if (!link || link.usedAt || link.expiresAt <= now || !link.user.active) return null;
  return { id: link.user.id, name: link.user.name, email: link.user.email };
}

export interface ResetLinkUse {
  token: string;
  input: NewPasswordInput;
  ip?: string;
  now?: Date;
}

/**
 * Sets a password through a sign-in link. The link is spent by a guarded update inside the same
 * transaction, so two submissions of one link cannot both succeed.
 */
export async function useResetLink(db: Db, { token, input, ip, now = new Date() }: ResetLinkUse) {
  const owner = await resetLinkOwner(db, token, now);
  if (!owner) throw new NotFoundError(LINK_INVALID);
  assertNewPassword(input, owner);
  const passwordHash = await hashPassword(input.password);
  await db.$transaction(async (tx) => {
    const { count } = await tx.passwordReset.updateMany({
      where: { tokenHash: hashResetToken(token), usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (count !== 1) throw new NotFoundError(LINK_INVALID);
    await tx.user.update({
      where: { id: owner.id },
      data: { passwordHash, version: { increment: 1 } },
    });
    await endSessions(tx, owner.id);
    const actor = await tx.user.findUniqueOrThrow({
      where: { id: owner.id },
      select: { id: true, role: true },
    });
    await recordUserChange(tx, {
      actor,
      userId: owner.id,
      field: 'password',
      from: null,
      to: 'set through a sign-in link',
      action: 'password_reset_used',
      ip,
    });
  });
  return owner;
}

export async function setTimeZone(
  pool: pg.Pool,
  userId: number,
  timeZone: string | null,
): Promise<void> {
  await pool.query(
    `UPDATE users SET time_zone = $2, updated_at = now() AT TIME ZONE 'UTC' WHERE id = $1`,
    [userId, timeZone],
  );
}
