import type { Actor } from '../../auth/actor.js';
import { ForbiddenError } from '../../errors.js';
import { TRANSITIONS } from './lifecycle.js';
import type { ConsultationDetail } from './service.js';

/** Bookings, doctor assignment and payments belong to customer care, not to doctors. */
export function isCareDesk(actor: Actor): boolean {
  return actor.role !== 'doctor';
}

export function assertCareDesk(actor: Actor, message?: string): void {
  if (!isCareDesk(actor)) throw new ForbiddenError(message);
}

/** A consultation's status is moved by customer care or by the doctor assigned to it. */
export function mayChangeStatus(actor: Actor, c: { doctorId: number | null }): boolean {
  return isCareDesk(actor) || c.doctorId === actor.id;
}

export function assertMayChangeStatus(
  actor: Actor,
  c: { doctorId: number | null },
  message?: string,
): void {
  if (!mayChangeStatus(actor, c)) throw new ForbiddenError(message);
}

/** What the viewer may do on one consultation page (the service re-checks every action). */
export function consultationActions(
  actor: Actor,
  c: Pick<
    ConsultationDetail,
    'status' | 'doctorId' | 'paymentModel' | 'paymentStatus' | 'startedAt'
  >,
) {
  const staff = isCareDesk(actor);
  const canMove = mayChangeStatus(actor, c);
  const next = canMove ? TRANSITIONS[c.status] : [];
  return {
    schedule: next.includes('scheduled') && c.doctorId !== null,
    complete: next.includes('completed'),
    cancel: next.includes('cancelled'),
    start: canMove && c.status === 'scheduled' && !c.startedAt,
    assign: staff && (c.status === 'pending' || c.status === 'scheduled'),
    requestPayment:
      staff &&
      c.paymentModel === 'pay_later' &&
      c.status === 'completed' &&
      c.paymentStatus === 'unpaid',
    markPaid: staff && c.paymentStatus === 'pending',
    raiseTicket: staff,
    escalate: staff,
  };
}
