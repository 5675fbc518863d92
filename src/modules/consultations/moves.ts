import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { ConsultationStatus } from '../../generated/prisma/enums.js';
import { NotFoundError, TransitionError } from '../../errors.js';
import { assertCallerCleared } from '../interactions/verification.js';
import { assertTransition, stampsFor } from './lifecycle.js';
import { assertMayChangeStatus } from './policy.js';
import { conflictFor, recordChange } from './service.js';

// Status moves (schedule, reschedule, complete, cancel) and the start of a scheduled consultation.

export interface Move {
  id: number;
  to: ConsultationStatus;
  /** The version the form was rendered with. */
  version: number;
  cancelReason?: string;
  scheduledFor?: Date;
  /** The call the move is made from, whose caller must have passed verification. */
  interactionId?: number;
}

type Moving = {
  customerId: number;
  status: ConsultationStatus;
  doctorId: number | null;
  startedAt: Date | null;
};

async function loadForMove(db: Db, id: number): Promise<Moving> {
  const c = await db.consultation.findUnique({
    where: { id },
    select: { customerId: true, status: true, doctorId: true, startedAt: true },
  });
  if (!c) throw new NotFoundError();
  return c;
}

function assertMoveComplete(c: Moving, move: Move): void {
  assertTransition(c.status, move.to);
  if (move.to === 'scheduled' && !c.doctorId)
    throw new TransitionError('Assign a doctor before scheduling.');
  if (move.to === 'cancelled' && !move.cancelReason)
    throw new TransitionError('Give a reason for cancelling.');
}

function moveData(c: Moving, move: Move): Prisma.ConsultationUpdateManyMutationInput {
  const data: Prisma.ConsultationUpdateManyMutationInput = {
    status: move.to,
    ...stampsFor(move.to, c, new Date()),
    version: { increment: 1 },
  };
  if (move.to === 'cancelled') data.cancelReason = move.cancelReason;
  if (move.to === 'scheduled' && move.scheduledFor) data.scheduledFor = move.scheduledFor;
  return data;
}

export async function transitionConsultation(db: Db, actor: Actor, move: Move): Promise<void> {
  const { id, version } = move;
  const c = await loadForMove(db, id);
  assertMayChangeStatus(
    actor,
    c,
    'Only the assigned doctor or customer care may change this consultation.',
  );
  await assertCallerCleared(db, move.interactionId, c.customerId);
  assertMoveComplete(c, move);
  await db.$transaction(async (tx) => {
    const { count } = await tx.consultation.updateMany({
      where: { id, version, status: c.status },
      data: moveData(c, move),
    });
    if (count === 0) throw await conflictFor(tx, id);
    await recordChange(tx, actor, { recordId: id, field: 'status', from: c.status, to: move.to });
  });
}

/** Marks a scheduled consultation as started (stamps started_at; the status stays scheduled). */
export async function startConsultation(
  db: Db,
  actor: Actor,
  id: number,
  version: number,
): Promise<void> {
  const c = await loadForMove(db, id);
  assertMayChangeStatus(actor, c);
  if (c.status !== 'scheduled' || c.startedAt)
    throw new TransitionError('Only a scheduled consultation that has not started can be started.');
  await db.$transaction(async (tx) => {
    const now = new Date();
    const { count } = await tx.consultation.updateMany({
      where: { id, version },
      data: { startedAt: now, version: { increment: 1 } },
    });
    if (count === 0) throw await conflictFor(tx, id);
    await recordChange(tx, actor, {
      recordId: id,
      field: 'started_at',
      from: null,
      to: now.toISOString(),
    });
  });
}
