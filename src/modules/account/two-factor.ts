import type { Actor } from '../../auth/actor.js';
import { verifyPassword } from '../../auth/passwords.js';
import {
  hashRecoveryCode,
  looksLikeRecoveryCode,
  matchingStep,
  newRecoveryCodes,
} from '../../auth/two-factor.js';
import type { Db } from '../../db/client.js';
import { ValidationError } from '../../errors.js';
import { recordUserChange } from '../staff/service.js';

const CODE_WRONG = 'That code is not right. Enter the 6-digit code your app shows now.';

export async function twoFactorStatus(db: Db, userId: number) {
  const [user, unused] = await Promise.all([
    db.user.findUniqueOrThrow({ where: { id: userId }, select: { totpEnabledAt: true } }),
    db.recoveryCode.count({ where: { userId, usedAt: null } }),
  ]);
  return { enabledAt: user.totpEnabledAt, recoveryCodesLeft: unused };
}

export interface Enrolment {
  actor: Actor;
  /** The secret shown on the enrolment page, sent back with the form. */
  secret: string;
  /** The first code the person's app made from it. */
  code: string;
  ip?: string;
  now?: Date;
}

const ALREADY_ON = 'Two-factor sign-in is already on for your account.';

function assertCodeMatches(secret: string, code: string, now: Date): number {
  const step = matchingStep(secret, code, null, now.getTime());
  if (step === null) throw new ValidationError(CODE_WRONG, { code: CODE_WRONG });
  return step;
}

/**
 * Turns two-factor on once the person proves their app holds the secret, and returns ten
 * recovery codes: shown once, stored only as digests.
 */
export async function enableTwoFactor(
  db: Db,
  { actor, secret, code, ip, now = new Date() }: Enrolment,
): Promise<string[]> {
  const step = assertCodeMatches(secret, code, now);
  const codes = newRecoveryCodes();
  await db.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({
      where: { id: actor.id, totpEnabledAt: null },
      data: {
        totpSecret: secret,
        totpEnabledAt: now,
        totpLastStep: step,
        version: { increment: 1 },
      },
    });
    if (count !== 1) throw new ValidationError(ALREADY_ON, { code: 'Already on.' });
    await tx.recoveryCode.deleteMany({ where: { userId: actor.id } });
    await tx.recoveryCode.createMany({
      data: codes.map((c) => ({ userId: actor.id, codeHash: hashRecoveryCode(c), createdAt: now })),
    });
    await recordUserChange(tx, {
      actor,
      userId: actor.id,
      field: 'two-factor',
      from: 'off',
      to: 'on',
      action: 'two_factor_enabled',
      ip,
    });
  });
  return codes;
}

export interface Removal {
  actor: Actor;
  /** The account's password, typed again to prove it is the person, not an open session. */
  password: string;
  /** Whether the person's role must sign in with two factors (then it cannot be turned off). */
  required: boolean;
  ip?: string;
}

const PASSWORD_WRONG = 'Your password is not right.';

function assertOptional(required: boolean): void {
  if (required)
    throw new ValidationError('Your role requires two-factor sign-in; it cannot be turned off.', {
      password: 'Required for your role.',
    });
}

/** Checks the password typed again; says whether two-factor is on. */
async function assertPassword(db: Db, actor: Actor, password: string): Promise<boolean> {
  const user = await db.user.findUniqueOrThrow({
    where: { id: actor.id },
    select: { passwordHash: true, totpEnabledAt: true },
  });
  if (!password || !(await verifyPassword(user.passwordHash, password)))
    throw new ValidationError(PASSWORD_WRONG, { password: PASSWORD_WRONG });
  return user.totpEnabledAt !== null;
}

/** Turns two-factor off; says false when it was already off. */
export async function disableTwoFactor(
  db: Db,
  { actor, password, required, ip }: Removal,
): Promise<boolean> {
  assertOptional(required);
  const on = await assertPassword(db, actor, password);
  if (!on) return false;
  await db.$transaction(async (tx) => {
    await tx.user.update({
      where: { id: actor.id },
      data: {
        totpSecret: null,
        totpEnabledAt: null,
        totpLastStep: null,
        version: { increment: 1 },
      },
    });
    await tx.recoveryCode.deleteMany({ where: { userId: actor.id } });
    await recordUserChange(tx, {
      actor,
      userId: actor.id,
      field: 'two-factor',
      from: 'on',
      to: 'off',
      action: 'two_factor_disabled',
      ip,
    });
  });
  return true;
}

/**
 * Checks a second-step code: an authenticator code (accepted once: the step is claimed by a
 * guarded update, so a replay or a concurrent second use finds it taken) or an unused
 * recovery code (spent the same way). Says which kind was used, or null.
 */
export async function checkSecondFactor(
  db: Db,
  userId: number,
  code: string,
  now = new Date(),
): Promise<'totp' | 'recovery' | null> {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { totpSecret: true, totpLastStep: true, active: true },
  });
  if (!user?.active || !user.totpSecret) return null;
  const step = matchingStep(user.totpSecret, code, user.totpLastStep, now.getTime());
  if (step !== null) {
    const { count } = await db.user.updateMany({
      where: { id: userId, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
      data: { totpLastStep: step },
    });
    return count === 1 ? 'totp' : null;
  }
  if (!looksLikeRecoveryCode(code)) return null;
  const { count } = await db.recoveryCode.updateMany({
    where: { userId, codeHash: hashRecoveryCode(code), usedAt: null },
    data: { usedAt: now },
  });
  return count === 1 ? 'recovery' : null;
}
