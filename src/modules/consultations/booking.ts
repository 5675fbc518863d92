import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { ValidationError } from '../../errors.js';
import { makeReference } from '../../lib/references.js';
import { assertCallerCleared } from '../interactions/verification.js';
import { assertAssignableDoctor, chosenDoctor } from './assignment.js';
import { assertCareDesk } from './policy.js';
import type { CreateInput } from './schema.js';
import { recordChange, type Tx } from './service.js';

export interface Booking {
  id: number;
  /** True when the idempotency key had already booked it (a resubmitted form). */
  existing: boolean;
}

/**
 * Books a consultation. Pay-first needs the payment confirmation: the paid Payment and the
 * consultation are written in one transaction, so no pay-first consultation exists unpaid.
 */
export async function createConsultation(
  db: Db,
  actor: Actor,
  input: CreateInput,
): Promise<Booking> {
  assertCareDesk(actor, 'Consultations are booked by customer care.');
  assertPaymentRecorded(input);
  const earlier = await bookedWithKey(db, input.idempotencyKey);
  if (earlier) return earlier;
  await assertCustomerExists(db, input.customerId);
  await assertCallerCleared(db, input.interactionId, input.customerId);
  if (typeof input.doctor === 'number') await assertAssignableDoctor(db, input.doctor);
  try {
    return await db.$transaction((tx) => writeBooking(tx, actor, input));
  } catch (error) {
    // Two submissions of one form raced past the look-up above: the loser answers with the winner.
    const raced = isUniqueViolation(error) && (await bookedWithKey(db, input.idempotencyKey));
    if (raced) return raced;
    throw error;
  }
}

function assertPaymentRecorded(input: CreateInput): void {
  if (input.paymentModel === 'pay_first' && !input.paymentConfirmation) {
    throw new ValidationError('Pay-first consultations need the payment recorded first.', {
      paymentConfirmation: 'Enter the payment confirmation',
    });
  }
}

async function bookedWithKey(db: Db, idempotencyKey: string | undefined): Promise<Booking | null> {
  if (!idempotencyKey) return null;
  const existing = await db.consultation.findUnique({
    where: { idempotencyKey },
    select: { id: true },
  });
  return existing ? { id: existing.id, existing: true } : null;
}

async function assertCustomerExists(db: Db, customerId: number): Promise<void> {
  const customer = await db.customer.findUnique({
    where: { id: customerId },
    select: { id: true },
  });
  if (!customer)
    throw new ValidationError('Check the customer.', {
      customerId: 'No customer with that number',
    });
}

async function writeBooking(tx: Tx, actor: Actor, input: CreateInput): Promise<Booking> {
  const now = new Date();
  const paid = input.paymentModel === 'pay_first';
  const created = await tx.consultation.create({
    data: {
      reference: makeReference('CNS'),
      customerId: input.customerId,
      mode: input.mode,
      paymentModel: input.paymentModel,
      paymentStatus: paid ? 'paid' : 'unpaid',
      amountMinor: input.amount,
      scheduledFor: input.scheduledFor ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
    },
    select: { id: true },
  });
  await recordChange(tx, actor, {
    recordId: created.id,
    field: 'status',
    from: null,
    to: 'pending',
  });
  if (paid) await writePayFirstPayment(tx, actor, { ...input, consultationId: created.id, now });
  if (input.doctor !== undefined) await assignOnBooking(tx, actor, created.id, input.doctor);
  await tx.customer.update({ where: { id: input.customerId }, data: { lastActivityAt: now } });
  return { id: created.id, existing: false };
}

async function writePayFirstPayment(
  tx: Tx,
  actor: Actor,
  paid: CreateInput & { consultationId: number; now: Date },
): Promise<void> {
  await tx.payment.create({
    data: {
      reference: makeReference('PAY'),
      customerId: paid.customerId,
      consultationId: paid.consultationId,
      amountMinor: paid.amount,
      status: 'paid',
      method: paid.paymentConfirmation!.slice(0, 100),
      paidAt: paid.now,
    },
  });
  const change = { recordId: paid.consultationId, field: 'payment_status', from: null, to: 'paid' };
  await recordChange(tx, actor, change);
}

async function assignOnBooking(
  tx: Tx,
  actor: Actor,
  consultationId: number,
  doctor: number | 'auto',
): Promise<void> {
  const doctorId = await chosenDoctor(tx, doctor);
  if (!doctorId) return;
  await tx.consultation.update({ where: { id: consultationId }, data: { doctorId } });
  await recordChange(tx, actor, {
    recordId: consultationId,
    field: 'doctor_id',
    from: null,
    to: doctorId,
  });
}
