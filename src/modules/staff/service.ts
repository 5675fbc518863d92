import type { Actor } from '../../auth/actor.js';
import { randomBytes } from 'node:crypto';
import { recordAudit } from '../../audit.js';
import { hashPassword } from '../../auth/passwords.js';
import { issueResetToken } from '../../auth/reset-links.js';
import { endSessions } from '../../auth/sessions.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import {
  canSetAvailability,
  LAST_ADMIN_REFUSED,
  removesAdmin,
  SELF_CHANGE_REFUSED,
} from './policy.js';
import { STAFF_ROW_SELECT, type StaffRow } from './queries.js';
import type { AddInput, RoleInput } from './schema.js';
import { CHANGE_FIELDS, writeRecordChanges } from '../../db/record-changes.js';

type Tx = Prisma.TransactionClient;

const EMAIL_TAKEN = 'Someone already has an account with this email.';
const ENABLE_FIRST = 'Enable this account before sending a sign-in link.';

/** Where a change was asked from (kept in the audit row), and when it happens. */
export interface ChangeOrigin {
  ip?: string;
  now?: Date;
}

export interface StaffDetail extends StaffRow {
  /** When the newest unused sign-in link runs out, if one is outstanding. */
  linkExpiresAt: Date | null;
  history: Array<{
    field: string;
    fromValue: string | null;
    toValue: string | null;
    createdAt: Date;
    actorName: string | null;
  }>;
}

export async function getStaff(db: Db, id: number, now = new Date()): Promise<StaffDetail> {
  const user = await db.user.findUnique({ where: { id }, select: STAFF_ROW_SELECT });
  if (!user) throw new NotFoundError('No such staff account.');
  const [link, changes] = await Promise.all([
    db.passwordReset.findFirst({
      where: { userId: id, usedAt: null, expiresAt: { gt: now } },
      orderBy: { createdAt: 'desc' },
      select: { expiresAt: true },
    }),
    db.recordChange.findMany({
      where: { recordType: 'user', recordId: id },
      select: CHANGE_FIELDS,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: 200,
    }),
  ]);
  return {
    ...user,
    linkExpiresAt: link?.expiresAt ?? null,
    history: changes.map((c) => ({
      field: c.field,
      fromValue: c.fromValue,
      toValue: c.toValue,
      createdAt: c.createdAt,
      actorName: c.actor?.name ?? null,
    })),
  };
}

/** One line of an account's history, plus the matching audit row (identifiers only). */
export async function recordUserChange(
  tx: Tx,
  change: {
    actor: Actor;
    userId: number;
    field: string;
    from: string | null;
    to: string | null;
    action: string;
    ip?: string | null;
  },
): Promise<void> {
  const { userId: recordId, field, from, to } = change;
  await writeRecordChanges(tx, [
    { recordType: 'user', recordId, actorId: change.actor.id, field, from, to },
  ]);
  await recordAudit(tx, {
    actor: change.actor,
    action: change.action,
    recordType: 'user',
    recordId: change.userId,
    fieldGroup: change.field,
    ip: change.ip,
  });
}

/** The new account (a doctor also gets a profile, away until they say otherwise) and its history line. */
async function createAccount(
  tx: Tx,
  actor: Actor,
  account: { input: AddInput; passwordHash: string; ip?: string },
) {
  const { input, passwordHash, ip } = account;
  const user = await tx.user.create({
    data: {
      name: input.name,
      email: input.email,
      role: input.role,
      passwordHash,
      doctorProfile:
        input.role === 'doctor'
          ? { create: { specialization: input.specialization, available: false } }
          : undefined,
    },
    select: { id: true },
  });
  await recordUserChange(tx, {
    actor,
    userId: user.id,
    field: 'account',
    from: null,
    to: `created as ${input.role}`,
    action: 'staff_created',
    ip,
  });
  return user;
}

/** A new single-use sign-in link for the account, recorded (the token itself is never kept). */
async function issueLink(tx: Tx, actor: Actor, userId: number, origin: ChangeOrigin) {
  const token = await issueResetToken(tx, userId, origin.now ?? new Date());
  await recordUserChange(tx, {
    actor,
    userId,
    field: 'sign-in link',
    from: null,
    to: 'issued',
    action: 'password_reset_issued',
    ip: origin.ip,
  });
  return token;
}

/**
 * Adds a person with no usable password and returns their first sign-in link's token: they
 * choose their own password through it, so no admin ever knows it.
 */
export async function addStaff(
  db: Db,
  actor: Actor,
  input: AddInput,
  origin: ChangeOrigin = {},
): Promise<{ id: number; token: string }> {
  // Hashed outside the transaction: it is slow, and nobody will ever sign in with it.
  const passwordHash = await hashPassword(randomBytes(32).toString('base64url'));
  try {
    return await db.$transaction(async (tx) => {
      const user = await createAccount(tx, actor, { input, passwordHash, ip: origin.ip });
      const token = await issueLink(tx, actor, user.id, origin);
      return { id: user.id, token };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ValidationError(EMAIL_TAKEN, { email: EMAIL_TAKEN });
    throw error;
  }
}

/**
 * Locks every active admin row, so two admins demoting or disabling each other at the same moment
 * cannot both succeed and leave the desk without one.
 */
async function assertAnotherAdminRemains(tx: Tx, userId: number): Promise<void> {
  const admins = await tx.$queryRaw<
    { id: number }[]
  >`SELECT id FROM users WHERE role = 'admin' AND active FOR UPDATE`;
  if (!admins.some((admin) => admin.id !== userId))
    throw new ValidationError(LAST_ADMIN_REFUSED, { form: LAST_ADMIN_REFUSED });
}

function assertNotSelf(actor: Actor, userId: number): void {
  if (actor.id === userId)
    throw new ValidationError(SELF_CHANGE_REFUSED, { form: SELF_CHANGE_REFUSED });
}

async function loadForChange(tx: Tx, id: number) {
  const user = await tx.user.findUnique({
    where: { id },
    select: {
      id: true,
      role: true,
      active: true,
      version: true,
      doctorProfile: { select: { userId: true } },
    },
  });
  if (!user) throw new NotFoundError('No such staff account.');
  return user;
}

function assertDoctorHasSpecialization(
  user: { doctorProfile: { userId: number } | null },
  input: RoleInput,
): void {
  if (input.role === 'doctor' && !user.doctorProfile && !input.specialization) {
    const message = 'Doctors need a specialization (e.g. General practice).';
    throw new ValidationError(message, { specialization: message });
  }
}

async function staleAccount(db: Db, id: number): Promise<ConflictError<StaffDetail>> {
  return new ConflictError(
    'Someone changed this account while you were looking at it.',
    await getStaff(db, id),
  );
}

/** The role the admin chose, from the version their page showed; a new doctor starts away. */
export async function changeRole(
  db: Db,
  actor: Actor,
  id: number,
  change: RoleInput & { ip?: string },
): Promise<void> {
  assertNotSelf(actor, id);
  await db.$transaction(async (tx) => {
    const user = await loadForChange(tx, id);
    if (user.version !== change.version) throw await staleAccount(db, id);
    if (user.role === change.role) return;
    assertDoctorHasSpecialization(user, change);
    if (removesAdmin(user, { role: change.role, active: user.active }))
      await assertAnotherAdminRemains(tx, id);
    const { count } = await tx.user.updateMany({
      where: { id, version: change.version },
      data: { role: change.role, version: { increment: 1 } },
    });
    if (count !== 1) throw await staleAccount(db, id);
    if (change.role === 'doctor' && !user.doctorProfile)
      await tx.doctorProfile.create({
        data: { userId: id, specialization: change.specialization ?? '', available: false },
      });
    await recordUserChange(tx, {
      actor,
      userId: id,
      field: 'role',
      from: user.role,
      to: change.role,
      action: 'staff_role_changed',
      ip: change.ip,
    });
  });
}

/** Signs the person out everywhere and voids their unused sign-in links. */
async function shutOut(tx: Tx, userId: number): Promise<void> {
  await endSessions(tx, userId);
  await tx.passwordReset.updateMany({
    where: { userId, usedAt: null },
    data: { usedAt: new Date() },
  });
}

/**
 * Disables or re-enables an account; false when it already was. Disabling ends all of the
 * person's sessions in the same transaction (and every request re-reads `active`, so a session
 * cannot outlive it).
 */
export async function setActive(
  db: Db,
  actor: Actor,
  id: number,
  change: { active: boolean; ip?: string },
): Promise<boolean> {
  const { active, ip } = change;
  assertNotSelf(actor, id);
  return db.$transaction(async (tx) => {
    const user = await loadForChange(tx, id);
    if (user.active === active) return false;
    if (removesAdmin(user, { role: user.role, active })) await assertAnotherAdminRemains(tx, id);
    await tx.user.update({ where: { id }, data: { active, version: { increment: 1 } } });
    if (!active) await shutOut(tx, id);
    await recordUserChange(tx, {
      actor,
      userId: id,
      field: 'active',
      from: active ? 'disabled' : 'active',
      to: active ? 'active' : 'disabled',
      action: active ? 'staff_enabled' : 'staff_disabled',
      ip,
    });
    return true;
  });
}

/** A new single-use sign-in link for a person who forgot their password (or never set one). */
export async function issueResetLink(
  db: Db,
  actor: Actor,
  id: number,
  origin: ChangeOrigin = {},
): Promise<string> {
  return db.$transaction(async (tx) => {
    const user = await loadForChange(tx, id);
    if (!user.active) throw new ValidationError(ENABLE_FIRST, { form: ENABLE_FIRST });
    return issueLink(tx, actor, id, origin);
  });
}

/** Marks a doctor available or away; automatic assignment and the pickers read it on their next query. */
export async function setAvailability(
  db: Db,
  actor: Actor,
  doctorId: number,
  change: { available: boolean; ip?: string },
): Promise<void> {
  const { available, ip } = change;
  if (!canSetAvailability(actor, doctorId))
    throw new ForbiddenError('Only the doctor or an admin can change this availability.');
  await db.$transaction(async (tx) => {
    const profile = await tx.doctorProfile.findUnique({
      where: { userId: doctorId },
      select: { available: true },
    });
    if (!profile) throw new NotFoundError('This account is not a doctor.');
    if (profile.available === available) return;
    await tx.doctorProfile.update({
      where: { userId: doctorId },
      data: { available, version: { increment: 1 } },
    });
    const [from, to] = available ? ['away', 'available'] : ['available', 'away'];
    await recordUserChange(tx, {
      actor,
      userId: doctorId,
      field: 'availability',
      from,
      to,
      action: 'availability_changed',
      ip,
    });
  });
}
