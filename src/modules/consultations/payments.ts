import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { NotFoundError, TransitionError } from '../../errors.js';
import { makeReference } from '../../lib/references.js';
import { assertCareDesk } from './policy.js';
import { conflictFor, recordChange } from './service.js';

// Pay-later payments: unpaid → pending (requested after the consultation) → paid.

async function assertPaymentRequestable(db: Db, id: number) {
  const c = await db.consultation.findUnique({
    where: { id },
    select: {
      status: true,
      paymentModel: true,
      paymentStatus: true,
      customerId: true,
      amountMinor: true,
      currency: true,
    },
  });
  if (!c) throw new NotFoundError();
  if (c.paymentModel !== 'pay_later')
    throw new TransitionError('Pay-first consultations are paid before booking.');
  if (c.status !== 'completed')
    throw new TransitionError('Payment is requested after the consultation is completed.');
  if (c.paymentStatus !== 'unpaid')
    throw new TransitionError(`Payment is already ${c.paymentStatus}.`);
  return c;
}

export async function requestPayment(
  db: Db,
  actor: Actor,
  id: number,
  version: number,
): Promise<void> {
  assertCareDesk(actor);
  const c = await assertPaymentRequestable(db, id);
  await db.$transaction(async (tx) => {
    const { count } = await tx.consultation.updateMany({
      where: { id, version, paymentStatus: 'unpaid' },
      data: { paymentStatus: 'pending', version: { increment: 1 } },
    });
    if (count === 0) throw await conflictFor(tx, id);
    await tx.payment.create({
      data: {
        reference: makeReference('PAY'),
        customerId: c.customerId,
        consultationId: id,
        amountMinor: c.amountMinor,
        currency: c.currency,
        status: 'pending',
      },
    });
    const change = { recordId: id, field: 'payment_status', from: 'unpaid', to: 'pending' };
    await recordChange(tx, actor, change);
  });
}

async function assertPaymentPending(db: Db, id: number): Promise<void> {
  const c = await db.consultation.findUnique({ where: { id }, select: { paymentStatus: true } });
  if (!c) throw new NotFoundError();
  if (c.paymentStatus !== 'pending')
    throw new TransitionError(
      c.paymentStatus === 'paid'
        ? 'This consultation is already paid.'
        : 'Request the payment before marking it paid.',
    );
}

export async function markPaid(db: Db, actor: Actor, id: number, version: number): Promise<void> {
  assertCareDesk(actor);
  await assertPaymentPending(db, id);
  await db.$transaction(async (tx) => {
    const now = new Date();
    const { count } = await tx.consultation.updateMany({
      where: { id, version, paymentStatus: 'pending' },
      data: { paymentStatus: 'paid', version: { increment: 1 } },
    });
    if (count === 0) throw await conflictFor(tx, id);
    await tx.payment.updateMany({
      where: { consultationId: id, status: 'pending' },
      data: { status: 'paid', paidAt: now },
    });
    await tx.customer.updateMany({
      where: { consultations: { some: { id } } },
      data: { lastActivityAt: now },
    });
    const change = { recordId: id, field: 'payment_status', from: 'pending', to: 'paid' };
    await recordChange(tx, actor, change);
  });
}
