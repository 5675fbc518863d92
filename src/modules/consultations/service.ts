import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { writeRecordChanges } from '../../db/record-changes.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { ConflictError, NotFoundError } from '../../errors.js';

// What every consultation use case shares: reading one consultation, recording a change in its
// history, and the conflict raised when the version a form was rendered with is stale. The use
// cases themselves are one file per concern: booking.ts, assignment.ts, moves.ts, payments.ts.

export const CONSULTATION_SELECT = {
  id: true,
  reference: true,
  customerId: true,
  doctorId: true,
  mode: true,
  paymentModel: true,
  paymentStatus: true,
  amountMinor: true,
  currency: true,
  status: true,
  scheduledFor: true,
  scheduledAt: true,
  startedAt: true,
  endedAt: true,
  cancelledAt: true,
  cancelReason: true,
  createdAt: true,
  updatedAt: true,
  version: true,
  customer: { select: { id: true, fullName: true, email: true, phone: true } },
  doctor: { select: { id: true, name: true } },
} as const;

export async function getConsultation(db: Db, id: number) {
  const c = await db.consultation.findUnique({ where: { id }, select: CONSULTATION_SELECT });
  if (!c) throw new NotFoundError();
  return c;
}
export type ConsultationDetail = Awaited<ReturnType<typeof getConsultation>>;

export type Tx = Prisma.TransactionClient;

/** One row of a consultation's history: which field moved from what to what, and who moved it. */
export interface Change {
  recordId: number;
  field: string;
  from: unknown;
  to: unknown;
}

export async function recordChange(tx: Tx, actor: Actor, change: Change): Promise<void> {
  const text = (value: unknown) => (value == null ? null : String(value));
  const { recordId, field, from, to } = change;
  await writeRecordChanges(tx, [
    {
      recordType: 'consultation',
      recordId,
      actorId: actor.id,
      field,
      from: text(from),
      to: text(to),
    },
  ]);
}

export async function conflictFor(db: Db | Tx, id: number): Promise<ConflictError> {
  const current = await db.consultation.findUnique({
    where: { id },
    select: { version: true, status: true },
  });
  if (!current) return new ConflictError('This consultation no longer exists.', null);
  return new ConflictError(
    'This consultation changed after you opened it. Reload and try again.',
    current,
  );
}
