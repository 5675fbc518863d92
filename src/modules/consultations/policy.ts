import type { Actor } from '../../auth/actor.js';
import { TRANSITIONS, mayChangeStatus } from './service.js';
import type { ConsultationDetail } from './service.js';

/** What the viewer may do on one consultation page (the service re-checks every action). */
export function consultationActions(
  actor: Actor,
  c: Pick<
    ConsultationDetail,
    'status' | 'doctorId' | 'paymentModel' | 'paymentStatus' | 'startedAt'
  >,
) {
  const staff = actor.role !== 'doctor';
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
