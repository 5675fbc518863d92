import type { Db } from '../db/client.js';
import type { Role } from '../generated/prisma/enums.js';

/** The signed-in person asking; the one input every privacy decision starts from. */
export interface Actor {
  id: number;
  role: Role;
}

export type AccessBasis = 'assigned' | 'escalation' | 'reveal';

export interface MedicalAccess {
  allowed: boolean;
  basis: AccessBasis | null;
  /** For basis 'reveal': the doctor's stated reason and when the reveal lapses. */
  reason: string | null;
  expiresAt: Date | null;
}

const DENIED: MedicalAccess = { allowed: false, basis: null, reason: null, expiresAt: null };

/**
 * Who may see a patient's medical data. Only doctors, and only for patients they have a
 * consultation with, the patient of an escalation addressed to them, or an unexpired reveal.
 * Agents, supervisors and admins never may.
 */
export async function medicalAccess(db: Db, actor: Actor | null | undefined, customerId: number, now = new Date()): Promise<MedicalAccess> {
  if (!actor || actor.role !== 'doctor') return DENIED;
  const assigned = await db.consultation.findFirst({ where: { customerId, doctorId: actor.id }, select: { id: true } });
  if (assigned) return { allowed: true, basis: 'assigned', reason: null, expiresAt: null };
  const escalation = await db.escalation.findFirst({ where: { customerId, targetUserId: actor.id }, select: { id: true } });
  if (escalation) return { allowed: true, basis: 'escalation', reason: null, expiresAt: null };
  const reveal = await db.medicalReveal.findFirst({
    where: { doctorId: actor.id, customerId, expiresAt: { gt: now } },
    orderBy: { expiresAt: 'desc' },
    select: { reason: true, expiresAt: true },
  });
  if (reveal) return { allowed: true, basis: 'reveal', reason: reveal.reason, expiresAt: reveal.expiresAt };
  return DENIED;
}

/** Only a doctor who has no standing access may ask to reveal, with a reason. */
export function mayRequestReveal(actor: Actor | null | undefined, access: MedicalAccess): boolean {
  return actor?.role === 'doctor' && !access.allowed;
}

/** Recording the medical part of a consultation: its assigned doctor only. */
export function mayRecordConsultationMedical(actor: Actor | null | undefined, consultation: { doctorId: number | null; status: string }): boolean {
  return actor?.role === 'doctor' && consultation.doctorId === actor.id && consultation.status !== 'cancelled';
}
