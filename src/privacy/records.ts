import type { Actor } from '../auth/actor.js';
import type { Prisma } from '../generated/prisma/client.js';
import { recordAudit } from '../audit.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { notify } from '../modules/notifications/service.js';
import { careTeam, mayRecordConsultationMedical } from './access.js';
import { AUDIT_ACTIONS, FIELD_GROUP, type ConsultationMedicalKey } from './fields.js';
import {
  readConsultationMedicalShown,
  type ConsultationRef,
  type ViewContext,
} from './presenter.js';

export type ConsultationMedicalInput = Record<ConsultationMedicalKey, string | null>;

export interface MedicalConflict {
  current: ConsultationMedicalInput;
  version: number;
}

export const REVEAL_REASON_MIN = 10;

/** Which patient a doctor reveals, why, and for how many minutes. */
export interface RevealRequest {
  customerId: number;
  reason: string;
  minutes: number;
}

function assertDoctor(actor: Actor): void {
  if (actor.role !== 'doctor') throw new ForbiddenError('Only doctors may reveal medical data.');
}

/** The reason as it will be recorded: trimmed, and long enough to say something. */
function assertReasonGiven(reason: string): string {
  const text = reason.trim();
  if (text.length < REVEAL_REASON_MIN)
    throw new ValidationError('Give a reason of at least 10 characters.', {
      reason: `Give a reason of at least ${REVEAL_REASON_MIN} characters.`,
    });
  return text;
}

async function assertCustomerExists(db: Db, customerId: number): Promise<void> {
  const customer = await db.customer.findUnique({
    where: { id: customerId },
    select: { id: true },
  });
  if (!customer) throw new NotFoundError();
}

/**
 * A doctor without standing access reveals a patient's medical data for a limited time, with a
 * reason. The reveal and its reason are audited, and the patient's assigned doctors are told in
 * the same transaction.
 */
export async function revealMedical(
  db: Db,
  actor: Actor,
  { customerId, reason, minutes }: RevealRequest,
  view: ViewContext = {},
): Promise<{ expiresAt: Date }> {
  assertDoctor(actor);
  const text = assertReasonGiven(reason);
  await assertCustomerExists(db, customerId);
  const expiresAt = new Date(Date.now() + minutes * 60_000);
  await db.$transaction(async (tx) => {
    await tx.medicalReveal.create({
      data: { doctorId: actor.id, customerId, reason: text.slice(0, 500), expiresAt },
    });
    await recordAudit(tx, {
      actor,
      action: AUDIT_ACTIONS.reveal,
      customerId,
      recordType: 'customer',
      recordId: customerId,
      fieldGroup: FIELD_GROUP.customer,
      reason: text.slice(0, 500),
      ip: view.ip,
    });
    const doctors = await careTeam(tx, customerId, view);
    await notify(
      tx,
      doctors.map((userId) => ({
        userId,
        kind: 'medical_reveal' as const,
        recordType: 'customer',
        recordId: customerId,
        actorId: actor.id,
      })),
    );
  });
  return { expiresAt };
}

/**
 * The medical notes of one consultation as the doctor typed them. `version` is the version the
 * form was loaded with (0 when nothing was recorded yet).
 */
export interface MedicalNotes {
  consultation: ConsultationRef;
  input: ConsultationMedicalInput;
  version: number;
}

function assertMayRecord(actor: Actor, consultation: ConsultationRef): void {
  if (!mayRecordConsultationMedical(actor, consultation))
    throw new ForbiddenError(
      'Only the doctor assigned to this consultation may record its medical notes.',
    );
}

/** The conflict for a stale save, carrying the values saved now; showing them is audited. */
async function medicalConflict(
  db: Db,
  actor: Actor,
  consultation: ConsultationRef,
  view: ViewContext,
): Promise<ConflictError<MedicalConflict>> {
  // The conflict page shows the saved values to this (authorised) doctor: that is a showing.
  const row = await readConsultationMedicalShown(db, {
    actor,
    consultation,
    reason: 'assigned (edit conflict)',
    ip: view.ip,
  });
  const { version: current, ...values } = row ?? { ...emptyMedical(), version: 0 };
  return new ConflictError<MedicalConflict>('Someone saved these notes after you opened them.', {
    current: values,
    version: current,
  });
}

/** Writes the notes (first version or next one) and their audit row, in the transaction `tx`. */
async function writeMedical(
  tx: Prisma.TransactionClient,
  actor: Actor,
  { consultation, input, version }: MedicalNotes,
  view: ViewContext,
): Promise<void> {
  if (version === 0) {
    await tx.consultationMedical.create({
      data: { consultationId: consultation.id, ...input, recordedById: actor.id },
    });
  } else {
    const { count } = await tx.consultationMedical.updateMany({
      where: { consultationId: consultation.id, version },
      data: { ...input, recordedById: actor.id, version: { increment: 1 } },
    });
    if (count === 0) throw new StaleMedicalVersion();
  }
  await recordAudit(tx, {
    actor,
    action: AUDIT_ACTIONS.update,
    customerId: consultation.customerId,
    recordType: 'consultation',
    recordId: consultation.id,
    fieldGroup: FIELD_GROUP.consultation,
    reason: 'assigned',
    ip: view.ip,
  });
}

class StaleMedicalVersion extends Error {}

/** A first save that lost the race to another first save, or a save from an older version. */
const isStaleSave = (error: unknown) =>
  isUniqueViolation(error) || error instanceof StaleMedicalVersion;

/**
 * The assigned doctor records the medical part of a consultation. A version mismatch is a
 * ConflictError carrying the current values, which only this same authorised doctor will see.
 */
export async function saveConsultationMedical(
  db: Db,
  actor: Actor,
  notes: MedicalNotes,
  view: ViewContext = {},
): Promise<void> {
  assertMayRecord(actor, notes.consultation);
  // The change and its audit row commit together: there is no saved change without its record.
  try {
    await db.$transaction((tx) => writeMedical(tx, actor, notes, view));
  } catch (error) {
    if (isStaleSave(error)) throw await medicalConflict(db, actor, notes.consultation, view);
    throw error;
  }
}

export function emptyMedical(): ConsultationMedicalInput {
  return {
    presentingComplaint: null,
    medicalHistory: null,
    diagnosis: null,
    treatmentPlan: null,
    prescribedMedication: null,
    followUpInstructions: null,
  };
}
