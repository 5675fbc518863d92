import type { Actor } from '../auth/actor.js';
import type { Db } from '../db/client.js';
import type { EscalationStatus } from '../generated/prisma/enums.js';

export type AccessBasis = 'assigned' | 'escalation' | 'reveal';

export interface MedicalAccess {
  allowed: boolean;
  basis: AccessBasis | null;
  /** For basis 'reveal': the doctor's stated reason and when the reveal lapses. */
  reason: string | null;
  /** When this access lapses: a reveal's expiry, or a resolved escalation's window end. */
  expiresAt: Date | null;
  /** The record that grants standing access ("consultation 12", "escalation 5"), named in the audit. */
  grantedBy: string | null;
}

/** The clock and the window after which a resolved or closed escalation stops granting access. */
export interface AccessRules {
  now?: Date;
  escalationAccessDays?: number;
}

export const ESCALATION_ACCESS_DAYS_DEFAULT = 30;
const DAY_MS = 86_400_000;
const OPEN_ESCALATION: EscalationStatus[] = ['pending', 'in_progress'];

const DENIED: MedicalAccess = {
  allowed: false,
  basis: null,
  reason: null,
  expiresAt: null,
  grantedBy: null,
};

/**
 * Until when an escalation grants its doctor access: while it is open, always (null); once it is
 * resolved or closed, for `days` after that moment.
 */
export function escalationAccessEnds(resolvedAt: Date | null, days: number): Date | null {
  return resolvedAt ? new Date(resolvedAt.getTime() + days * DAY_MS) : null;
}

/**
 * Who may see a patient's medical data. Only doctors, and only with a care relationship: a
 * consultation with the patient that is not cancelled, or an escalation about the patient
 * addressed to them while it is open and for a window after it is resolved or closed; otherwise
 * an unexpired reveal with a reason. Agents, supervisors and admins never may.
 */
export async function medicalAccess(
  db: Db,
  actor: Actor | null | undefined,
  customerId: number,
  rules: AccessRules = {},
): Promise<MedicalAccess> {
  if (!actor || actor.role !== 'doctor') return DENIED;
  const now = rules.now ?? new Date();
  const days = rules.escalationAccessDays ?? ESCALATION_ACCESS_DAYS_DEFAULT;
  const consultation = await db.consultation.findFirst({
    where: { customerId, doctorId: actor.id, status: { not: 'cancelled' } },
    orderBy: { id: 'desc' },
    select: { id: true },
  });
  if (consultation) {
    const grantedBy = `consultation ${consultation.id}`;
    return { allowed: true, basis: 'assigned', reason: null, expiresAt: null, grantedBy };
  }
  const escalation = await db.escalation.findFirst({
    where: {
      customerId,
      targetUserId: actor.id,
      OR: [
        { status: { in: OPEN_ESCALATION } },
        { resolvedAt: { gt: new Date(now.getTime() - days * DAY_MS) } },
      ],
    },
    // An open escalation first (no end), then the one resolved most recently (latest end).
    orderBy: [{ resolvedAt: { sort: 'desc', nulls: 'first' } }],
    select: { id: true, status: true, resolvedAt: true },
  });
  if (escalation) {
    const open = OPEN_ESCALATION.includes(escalation.status);
    const ends = open ? null : escalationAccessEnds(escalation.resolvedAt, days);
    const grantedBy = `escalation ${escalation.id}`;
    return { allowed: true, basis: 'escalation', reason: null, expiresAt: ends, grantedBy };
  }
  const reveal = await db.medicalReveal.findFirst({
    where: { doctorId: actor.id, customerId, expiresAt: { gt: now } },
    orderBy: { expiresAt: 'desc' },
    select: { reason: true, expiresAt: true },
  });
  if (reveal) {
    return {
      allowed: true,
      basis: 'reveal',
      reason: reveal.reason,
      expiresAt: reveal.expiresAt,
      grantedBy: null,
    };
  }
  return DENIED;
}

/** Only a doctor who has no standing access may ask to reveal, with a reason. */
export function mayRequestReveal(actor: Actor | null | undefined, access: MedicalAccess): boolean {
  return actor?.role === 'doctor' && !access.allowed;
}

/** Recording the medical part of a consultation: its assigned doctor only. */
export function mayRecordConsultationMedical(
  actor: Actor | null | undefined,
  consultation: { doctorId: number | null; status: string },
): boolean {
  return (
    actor?.role === 'doctor' &&
    consultation.doctorId === actor.id &&
    consultation.status !== 'cancelled'
  );
}

/**
 * The patient's assigned doctors: those with a care relationship now (a consultation that is not
 * cancelled, or an escalation addressed to them that is open or resolved within the window).
 */
export async function careTeam(
  db: Pick<Db, 'consultation' | 'escalation'>,
  customerId: number,
  rules: AccessRules = {},
): Promise<number[]> {
  const now = rules.now ?? new Date();
  const days = rules.escalationAccessDays ?? ESCALATION_ACCESS_DAYS_DEFAULT;
  const [consultations, escalations] = await Promise.all([
    db.consultation.findMany({
      where: { customerId, doctorId: { not: null }, status: { not: 'cancelled' } },
      distinct: ['doctorId'],
      select: { doctorId: true },
    }),
    db.escalation.findMany({
      where: {
        customerId,
        targetUser: { role: 'doctor' },
        OR: [
          { status: { in: OPEN_ESCALATION } },
          { resolvedAt: { gt: new Date(now.getTime() - days * DAY_MS) } },
        ],
      },
      distinct: ['targetUserId'],
      select: { targetUserId: true },
    }),
  ]);
  const ids = [...consultations.map((c) => c.doctorId), ...escalations.map((e) => e.targetUserId)];
  return [...new Set(ids.filter((id): id is number => id !== null))].sort((a, b) => a - b);
}
