import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { ConflictError, NotFoundError, TransitionError, ValidationError } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { EscalationStatus, EscalationTarget } from '../../generated/prisma/enums.js';
import { notify } from '../notifications/service.js';
import { readStatusSnapshot } from '../tickets/status.js';
import { TRANSITIONS, visibleWhere } from './policy.js';
import type { CloseInput, ResolveInput } from './schema.js';
import { assertMayAct, getEscalation, moveTicket, recordStatus, type Tx } from './service.js';

// Take, resolve and close: the recipient answers an escalation. Each is guarded by the version
// the person saw, and resolve/close may move the ticket on through the ticket state machine.

type Action = 'take' | 'resolve' | 'close';

const VERB: Record<Action, string> = { take: 'taken', resolve: 'resolved', close: 'closed' };
const TO: Record<Action, EscalationStatus> = {
  take: 'in_progress',
  resolve: 'resolved',
  close: 'closed',
};

/** A form's input, and when it happens (tests pin the time). */
type At<Input> = Input & { now?: Date };
export type TakeCommand = At<{ version: number }>;
export type ResolveCommand = At<ResolveInput>;
export type CloseCommand = At<CloseInput>;

interface Current {
  id: number;
  status: EscalationStatus;
  version: number;
  targetUserId: number;
  targetType: EscalationTarget;
  ticketId: number | null;
  raisedById: number;
}

interface TransitionStep {
  db: Db;
  actor: Actor;
  id: number;
  version: number;
  action: Action;
  /** The escalation's columns this step writes. */
  data: Prisma.EscalationUncheckedUpdateManyInput;
  /** Refuses the step before anything is written (a missing ticket status). */
  check?: (current: Current) => void;
  /** Runs in the same transaction, after the escalation is written (the ticket's status). */
  after?: (tx: Tx, current: Current) => Promise<void>;
}

class StaleVersion extends Error {}

async function loadVisible(db: Db, actor: Actor, id: number): Promise<Current> {
  const current = await db.escalation.findFirst({
    where: { AND: [{ id }, visibleWhere(actor)] },
    select: {
      id: true,
      status: true,
      version: true,
      targetUserId: true,
      targetType: true,
      ticketId: true,
      raisedById: true,
    },
  });
  if (!current) throw new NotFoundError('Escalation not found.');
  return current;
}

/** The 409 answer carries the escalation as it is now, for the conflict page. */
async function actedFirst(db: Db, actor: Actor, id: number): Promise<ConflictError> {
  const current = await getEscalation(db, actor, id);
  return new ConflictError('Someone else acted on this escalation first.', current);
}

function assertAllowedFrom(status: EscalationStatus, action: Action): void {
  if (!TRANSITIONS[action].includes(status)) {
    throw new TransitionError(
      `This escalation is ${status.replace('_', ' ')}; it cannot be ${VERB[action]} now.`,
    );
  }
}

async function write(tx: Tx, step: TransitionStep, current: Current): Promise<void> {
  const { id, version, action, actor } = step;
  const { count } = await tx.escalation.updateMany({
    where: { id, version, status: { in: TRANSITIONS[action] } },
    data: { ...step.data, version: { increment: 1 } },
  });
  if (count !== 1) throw new StaleVersion();
  await recordStatus(tx, { id, actorId: actor.id, from: current.status, to: TO[action] });
  if (step.after) await step.after(tx, current);
  if (action !== 'take') {
    const answered = { kind: 'escalation_answered', recordType: 'escalation' } as const;
    await notify(tx, [
      { ...answered, recordId: id, userId: current.raisedById, actorId: actor.id },
    ]);
  }
}

/** Loads, authorizes and version-checks; writes in a transaction guarded by the version. */
async function transition(step: TransitionStep): Promise<void> {
  const { db, actor, id } = step;
  const current = await loadVisible(db, actor, id);
  assertMayAct(actor, current);
  if (current.version !== step.version) throw await actedFirst(db, actor, id);
  assertAllowedFrom(current.status, step.action);
  step.check?.(current);
  try {
    await db.$transaction((tx) => write(tx, step, current));
  } catch (error) {
    if (error instanceof StaleVersion) throw await actedFirst(db, actor, id);
    throw error;
  }
}

export async function takeEscalation(
  db: Db,
  actor: Actor,
  id: number,
  command: TakeCommand,
): Promise<void> {
  const takenAt = command.now ?? new Date();
  const data = { status: 'in_progress', takenAt } as const;
  await transition({ db, actor, id, version: command.version, action: 'take', data });
}

function assertTicketStatusChosen(current: Current, command: ResolveCommand): void {
  if (current.ticketId && !command.ticketStatus) {
    throw new ValidationError('Choose what happens to the ticket.', {
      ticketStatus: 'Choose whether the ticket returns to pending or is resolved.',
    });
  }
}

export async function resolveEscalation(
  db: Db,
  actor: Actor,
  id: number,
  command: ResolveCommand,
): Promise<void> {
  const now = command.now ?? new Date();
  const { ticketStatus } = command;
  await transition({
    db,
    actor,
    id,
    version: command.version,
    action: 'resolve',
    data: { status: 'resolved', outcome: command.outcome, resolvedAt: now, resolvedById: actor.id },
    check: (current) => assertTicketStatusChosen(current, command),
    after: async (tx, { ticketId }) => {
      if (ticketId && ticketStatus)
        await moveTicket(tx, { ticketId, to: ticketStatus, actorId: actor.id, now });
    },
  });
}

/** Closed without a choice: a ticket left "escalated" with no other open escalation goes back to pending. */
async function releaseTicket(
  tx: Tx,
  closed: { escalationId: number; ticketId: number; actorId: number; now: Date },
): Promise<void> {
  const { escalationId, ticketId, actorId, now } = closed;
  const ticket = await readStatusSnapshot(tx, ticketId);
  if (ticket?.status !== 'escalated') return;
  const others = await tx.escalation.count({
    where: { ticketId, id: { not: escalationId }, status: { in: ['pending', 'in_progress'] } },
  });
  if (others === 0) await moveTicket(tx, { ticketId, to: 'pending', actorId, now });
}

export async function closeEscalation(
  db: Db,
  actor: Actor,
  id: number,
  command: CloseCommand,
): Promise<void> {
  const now = command.now ?? new Date();
  const { ticketStatus } = command;
  const outcome = command.outcome ?? null;
  await transition({
    db,
    actor,
    id,
    version: command.version,
    action: 'close',
    data: { status: 'closed', outcome, resolvedAt: now, resolvedById: actor.id },
    after: async (tx, { ticketId }) => {
      if (!ticketId) return;
      if (ticketStatus)
        return moveTicket(tx, { ticketId, to: ticketStatus, actorId: actor.id, now });
      await releaseTicket(tx, { escalationId: id, ticketId, actorId: actor.id, now });
    },
  });
}
