import { isManager, type Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { writeRecordChanges } from '../../db/record-changes.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TransitionError,
  ValidationError,
} from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { openFollowUps } from './queries.js';
import type { FollowUpInput } from './schema.js';

// Other modules' pages show a record's open follow-ups through this module's service.
export { openFollowUps };

export type Parent = { ticketId: number } | { interactionId: number };

export const PAST_DUE = 'Choose a time in the future.';

function stamp(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

/** Follow-up events go into the parent record's history, next to its other changes. */
async function record(
  tx: Prisma.TransactionClient,
  entry: { parent: Parent; actorId: number; from: string | null; to: string },
) {
  const { parent, actorId } = entry;
  const [recordType, recordId] =
    'ticketId' in parent
      ? (['ticket', parent.ticketId] as const)
      : (['interaction', parent.interactionId] as const);
  await writeRecordChanges(tx, [
    { recordType, recordId, actorId, field: 'follow-up', from: entry.from, to: entry.to },
  ]);
}

async function assertParent(db: Db, parent: Parent) {
  if ('ticketId' in parent) {
    const t = await db.supportTicket.findUnique({
      where: { id: parent.ticketId },
      select: { status: true },
    });
    if (!t) throw new NotFoundError('No such ticket.');
    if (t.status === 'merged')
      throw new TransitionError(
        'This ticket was merged; set the follow-up on the ticket it was merged into.',
      );
  } else {
    const i = await db.interaction.findUnique({
      where: { id: parent.interactionId },
      select: { id: true },
    });
    if (!i) throw new NotFoundError('No such interaction.');
  }
}

/** The form's input, and when it happens (tests pin the time). */
type At<Input> = Input & { now?: Date };

export async function createFollowUp(
  db: Db,
  actor: Actor,
  parent: Parent,
  command: At<FollowUpInput>,
) {
  const now = command.now ?? new Date();
  await assertParent(db, parent);
  if (command.dueAt.getTime() <= now.getTime())
    throw new ValidationError(PAST_DUE, { dueAt: PAST_DUE });
  return db.$transaction(async (tx) => {
    const row = await tx.followUp.create({
      data: {
        ...parent,
        ownerId: actor.id,
        dueAt: command.dueAt,
        reason: command.reason,
        createdAt: now,
      },
      select: { id: true },
    });
    await record(tx, {
      parent,
      actorId: actor.id,
      from: null,
      to: `due ${stamp(command.dueAt)} UTC`,
    });
    return row;
  });
}

async function loadOpen(db: Db, actor: Actor, id: number) {
  const f = await db.followUp.findUnique({ where: { id } });
  if (!f) throw new NotFoundError('No such follow-up.');
  if (f.ownerId !== actor.id && !isManager(actor))
    throw new ForbiddenError('Only its owner or a supervisor can change a follow-up.');
  if (f.status !== 'open') throw new TransitionError(`This follow-up is already ${f.status}.`);
  return f;
}

function parentOf(f: { ticketId: number | null; interactionId: number | null }): Parent {
  return f.ticketId !== null ? { ticketId: f.ticketId } : { interactionId: f.interactionId! };
}

const CHANGED = 'Someone changed this follow-up since you loaded it.';

type OpenFollowUp = Awaited<ReturnType<typeof loadOpen>>;

/** Writes a change to an open follow-up, guarded by the version read, with its history entry. */
async function write(
  db: Db,
  change: {
    actor: Actor;
    followUp: OpenFollowUp;
    data: Prisma.FollowUpUpdateManyMutationInput;
    to: string;
  },
) {
  const { actor, followUp: f } = change;
  await db.$transaction(async (tx) => {
    const { count } = await tx.followUp.updateMany({
      where: { id: f.id, version: f.version, status: 'open' },
      data: { ...change.data, version: { increment: 1 } },
    });
    if (count === 0) throw new ConflictError(CHANGED, null);
    const from = `due ${stamp(f.dueAt)} UTC`;
    await record(tx, { parent: parentOf(f), actorId: actor.id, from, to: change.to });
  });
}

/** The open follow-up at the version the person saw: 403, 422 (closed) or 409 (changed) otherwise. */
async function loadAtVersion(db: Db, actor: Actor, id: number, version: number) {
  const f = await loadOpen(db, actor, id);
  if (f.version !== version) throw new ConflictError(CHANGED, null);
  return f;
}

export async function closeFollowUp(
  db: Db,
  actor: Actor,
  id: number,
  command: At<{ outcome: 'done' | 'cancelled'; version: number }>,
) {
  const { outcome } = command;
  const followUp = await loadAtVersion(db, actor, id, command.version);
  const data = { status: outcome, closedAt: command.now ?? new Date() };
  await write(db, { actor, followUp, data, to: outcome });
}

/** Pushes the time on by some hours from whichever is later, the due time or now. */
export async function snoozeFollowUp(
  db: Db,
  actor: Actor,
  id: number,
  command: At<{ hours: number; version: number }>,
) {
  const now = command.now ?? new Date();
  const followUp = await loadAtVersion(db, actor, id, command.version);
  const from = Math.max(followUp.dueAt.getTime(), now.getTime());
  const dueAt = new Date(from + command.hours * 3_600_000);
  const data = { dueAt, snoozeCount: { increment: 1 } };
  await write(db, { actor, followUp, data, to: `snoozed to ${stamp(dueAt)} UTC` });
}
