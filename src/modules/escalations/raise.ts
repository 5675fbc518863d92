import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { ForbiddenError, ValidationError } from '../../errors.js';
import { notify } from '../notifications/service.js';
import { canRaise } from './policy.js';
import type { RaiseInput, SourceRef } from './schema.js';
import { moveTicket, recordStatus, type Tx } from './service.js';
import { loadSource, type SourceSummary } from './sources.js';

/** The raise form's input, and when it happens (tests pin the time). */
export type RaiseCommand = RaiseInput & { now?: Date };

export interface Raised {
  id: number;
  /** False when the same idempotency key was raised before: a double submit. */
  created: boolean;
}

function assertMayRaise(actor: Actor): void {
  if (!canRaise(actor))
    throw new ForbiddenError('Only agents, supervisors and admins raise escalations.');
}

function assertSourceOpen(source: SourceSummary): void {
  if (source.kind === 'ticket' && source.status === 'resolved') {
    throw new ValidationError('This ticket is resolved; reopen it before escalating.', {
      _form: 'This ticket is resolved; reopen it before escalating.',
    });
  }
}

/** The recipient must be an active admin, or an available doctor, matching the target type. */
async function assertRecipient(db: Db, input: RaiseInput): Promise<void> {
  const { targetType, targetUserId } = input;
  const user = await db.user.findUnique({
    where: { id: targetUserId },
    select: { role: true, active: true, doctorProfile: { select: { available: true } } },
  });
  const ok =
    !!user &&
    user.active &&
    user.role === targetType &&
    (targetType !== 'doctor' || user.doctorProfile?.available === true);
  if (!ok) {
    const message =
      targetType === 'doctor'
        ? 'Choose an available doctor from the Doctors list (or switch the target to admin).'
        : 'Choose an active admin from the Admins list (or switch the target to doctor).';
    throw new ValidationError(message, { targetUserId: message });
  }
}

async function raisedBefore(db: Db, idempotencyKey: string | undefined): Promise<Raised | null> {
  if (!idempotencyKey) return null;
  const existing = await db.escalation.findUnique({
    where: { idempotencyKey },
    select: { id: true },
  });
  return existing && { id: existing.id, created: false };
}

/** The escalation row, its first history entry, the ticket moved to escalated, the recipient told. */
async function writeEscalation(
  tx: Tx,
  actor: Actor,
  source: SourceSummary,
  command: RaiseCommand & { now: Date },
): Promise<number> {
  const { id } = await tx.escalation.create({
    data: {
      customerId: source.customerId,
      ticketId: source.kind === 'ticket' ? source.id : null,
      interactionId: source.kind === 'interaction' ? source.id : null,
      consultationId: source.kind === 'consultation' ? source.id : null,
      targetType: command.targetType,
      targetUserId: command.targetUserId,
      raisedById: actor.id,
      reason: command.reason,
      idempotencyKey: command.idempotencyKey ?? null,
      createdAt: command.now,
    },
    select: { id: true },
  });
  await recordStatus(tx, { id, actorId: actor.id, from: null, to: 'pending' });
  if (source.kind === 'ticket')
    await moveTicket(tx, {
      ticketId: source.id,
      to: 'escalated',
      actorId: actor.id,
      now: command.now,
    });
  const addressed = { kind: 'escalation_addressed', recordType: 'escalation' } as const;
  await notify(tx, [
    { ...addressed, recordId: id, userId: command.targetUserId, actorId: actor.id },
  ]);
  return id;
}

/**
 * Raises an escalation from a ticket, interaction or consultation to a named admin or doctor.
 * Idempotent on the form's key: a double submit (even a concurrent one) returns the first.
 */
export async function raiseEscalation(
  db: Db,
  actor: Actor,
  ref: SourceRef,
  command: RaiseCommand,
): Promise<Raised> {
  assertMayRaise(actor);
  const before = await raisedBefore(db, command.idempotencyKey);
  if (before) return before;
  const source = await loadSource(db, ref);
  assertSourceOpen(source);
  await assertRecipient(db, command);
  const now = command.now ?? new Date();
  try {
    const id = await db.$transaction((tx) =>
      writeEscalation(tx, actor, source, { ...command, now }),
    );
    return { id, created: true };
  } catch (error) {
    const raced = isUniqueViolation(error) && (await raisedBefore(db, command.idempotencyKey));
    if (raced) return raced;
    throw error;
  }
}
