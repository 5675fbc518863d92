import type { ConsultationStatus, PaymentStatus } from '../../generated/prisma/enums.js';
import { TransitionError } from '../../errors.js';

// The consultation's lifecycle as pure rules (no I/O), shared by the use cases, the policy and the
// pages: which moves exist, what each move stamps, and which badges a row wears.

export const TRANSITIONS: Record<ConsultationStatus, readonly ConsultationStatus[]> = {
  pending: ['scheduled', 'cancelled'],
  scheduled: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

export function canTransition(from: ConsultationStatus, to: ConsultationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: ConsultationStatus, to: ConsultationStatus): void {
  if (!canTransition(from, to))
    throw new TransitionError(`A ${from} consultation cannot be moved to ${to}.`);
}

/** The timestamp columns stamped by a move into each status. */
export function stampsFor(
  to: ConsultationStatus,
  current: { startedAt: Date | null },
  now: Date,
): Record<string, Date> {
  switch (to) {
    case 'scheduled':
      return { scheduledAt: now };
    case 'completed':
      return { endedAt: now, ...(current.startedAt ? {} : { startedAt: now }) };
    case 'cancelled':
      return { cancelledAt: now };
    default:
      return {};
  }
}

const HOUR = 3_600_000;

export interface BadgeInput {
  status: ConsultationStatus;
  paymentModel: string;
  paymentStatus: PaymentStatus;
  createdAt: Date;
}

export function badgesFor(c: BadgeInput, now = new Date()): { key: string; label: string }[] {
  const out: { key: string; label: string }[] = [];
  if (c.status === 'pending' && now.getTime() - c.createdAt.getTime() > HOUR)
    out.push({ key: 'overdue', label: 'needs a doctor' });
  if (c.paymentModel === 'pay_later' && c.status === 'completed' && c.paymentStatus === 'unpaid')
    out.push({ key: 'due-soon', label: 'request payment' });
  return out;
}
