import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { InteractionStatus } from '../../generated/prisma/enums.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { ConflictError, NotFoundError, TransitionError, ValidationError } from '../../errors.js';
import { findCustomer } from '../customers/picker.js';
import { PHOTO_STAMP } from '../customers/avatar.js';
import { expandShortcuts, interactionFillContext } from '../canned-replies/service.js';
import { notifyMentions } from '../notifications/mentions.js';
import { assertCanAct } from './policy.js';
import type { CreateInput } from './schema.js';
import { CHANGE_FIELDS, writeRecordChanges } from '../../db/record-changes.js';

/** Whole seconds from start to end, never negative; a pending period is part of it. */
export function computeDurationSeconds(startedAt: Date, endedAt: Date): number {
  return Math.max(0, Math.floor((endedAt.getTime() - startedAt.getTime()) / 1000));
}

async function startedWithKey(db: Db, idempotencyKey: string | undefined) {
  if (!idempotencyKey) return null;
  return db.interaction.findUnique({ where: { idempotencyKey }, select: { id: true } });
}

async function assertCustomerExists(db: Db, customerId: number) {
  const customer = await findCustomer(db, customerId);
  if (!customer)
    throw new ValidationError('Choose an existing customer.', {
      customerId: 'That customer does not exist.',
    });
  return customer;
}

/** A status move in the interaction's history. */
async function recordStatus(
  tx: Prisma.TransactionClient,
  change: { id: number; actorId: number; from: InteractionStatus | null; to: InteractionStatus },
): Promise<void> {
  const { id: recordId, actorId, from, to } = change;
  await writeRecordChanges(tx, [
    { recordType: 'interaction', recordId, actorId, field: 'status', from, to },
  ]);
}

/** The new active interaction and the first line of its history, together. */
async function createActive(
  db: Db,
  actor: Actor,
  start: { customerId: number; input: CreateInput; now: Date },
) {
  const { customerId, input, now } = start;
  return db.$transaction(async (tx) => {
    const created = await tx.interaction.create({
      data: {
        customerId,
        agentId: actor.id,
        channel: input.channel,
        status: 'active',
        subject: input.subject || null,
        startedAt: now,
        idempotencyKey: input.idempotencyKey ?? null,
      },
      select: { id: true },
    });
    await recordStatus(tx, { id: created.id, actorId: actor.id, from: null, to: 'active' });
    return created;
  });
}

/** Starts an active interaction; a repeated idempotency key returns the first one. */
export async function startInteraction(
  db: Db,
  actor: Actor,
  input: CreateInput,
  now = new Date(),
): Promise<{ id: number; created: boolean }> {
  const earlier = await startedWithKey(db, input.idempotencyKey);
  if (earlier) return { id: earlier.id, created: false };
  const customer = await assertCustomerExists(db, input.customerId);
  try {
    const row = await createActive(db, actor, { customerId: customer.id, input, now });
    return { id: row.id, created: true };
  } catch (error) {
    // A double submit that lost the race to the same key: the winner's interaction is the answer.
    const winner = isUniqueViolation(error) && (await startedWithKey(db, input.idempotencyKey));
    if (winner) return { id: winner.id, created: false };
    throw error;
  }
}

const DETAIL_SELECT = {
  id: true,
  channel: true,
  status: true,
  subject: true,
  startedAt: true,
  firstResponseAt: true,
  endedAt: true,
  durationSeconds: true,
  agentId: true,
  version: true,
  createdAt: true,
  customer: {
    select: { id: true, fullName: true, email: true, phone: true, photo: PHOTO_STAMP },
  },
  agent: { select: { id: true, name: true } },
  notes: {
    select: { id: true, body: true, createdAt: true, author: { select: { name: true } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  },
  tickets: {
    select: {
      id: true,
      number: true,
      subject: true,
      status: true,
      priority: true,
      resolvedAt: true,
      resolvedBy: { select: { name: true } },
    },
    orderBy: { createdAt: 'desc' },
  },
  escalations: {
    select: {
      id: true,
      status: true,
      outcome: true,
      targetType: true,
      createdAt: true,
      resolvedAt: true,
      targetUser: { select: { name: true } },
      resolvedBy: { select: { name: true } },
    },
    orderBy: { createdAt: 'desc' },
  },
} satisfies Prisma.InteractionSelect;

export async function getInteraction(db: Db, id: number) {
  const interaction = await db.interaction.findUnique({ where: { id }, select: DETAIL_SELECT });
  if (!interaction) throw new NotFoundError('No such interaction.');
  const changes = await db.recordChange.findMany({
    where: { recordType: 'interaction', recordId: id },
    select: { id: true, ...CHANGE_FIELDS },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return { ...interaction, changes };
}

async function loadForAction(db: Db, id: number) {
  const row = await db.interaction.findUnique({
    where: { id },
    select: {
      id: true,
      agentId: true,
      status: true,
      startedAt: true,
      firstResponseAt: true,
      version: true,
    },
  });
  if (!row) throw new NotFoundError('No such interaction.');
  return row;
}

/** 404 for an unknown interaction, 403 when the actor may not change it (checked before the form is judged). */
export async function assertMayChange(db: Db, actor: Actor, id: number): Promise<void> {
  assertCanAct(actor, await loadForAction(db, id));
}

/** What the conflict page shows as "saved now": the row's state and its last recorded change. */
export async function conflictState(db: Db, id: number) {
  const [row, lastChange] = await Promise.all([
    db.interaction.findUnique({
      where: { id },
      select: {
        id: true,
        agentId: true,
        status: true,
        subject: true,
        startedAt: true,
        endedAt: true,
        durationSeconds: true,
        version: true,
        updatedAt: true,
      },
    }),
    db.recordChange.findFirst({
      where: { recordType: 'interaction', recordId: id },
      select: CHANGE_FIELDS,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    }),
  ]);
  if (!row) throw new NotFoundError('No such interaction.');
  return { ...row, lastChange };
}
export type InteractionConflictState = Awaited<ReturnType<typeof conflictState>>;

async function conflict(db: Db, id: number): Promise<ConflictError<InteractionConflictState>> {
  return new ConflictError(
    'Someone changed this interaction after you loaded the page.',
    await conflictState(db, id),
  );
}

function assertStillOpen(row: { status: InteractionStatus }): void {
  if (row.status === 'resolved')
    throw new TransitionError('This interaction has ended; notes can no longer be added.');
}

/**
 * Internal note (never shown to patients): `;shortcut` replies are expanded, the first note stamps
 * firstResponseAt, and colleagues it @mentions are told.
 */
export async function addNote(
  db: Db,
  actor: Actor,
  id: number,
  note: { body: string; now?: Date },
) {
  const { body, now = new Date() } = note;
  const row = await loadForAction(db, id);
  assertCanAct(actor, row);
  assertStillOpen(row);
  const text = await expandShortcuts(db, body, await interactionFillContext(db, id, actor));
  return db.$transaction(async (tx) => {
    const written = await tx.interactionNote.create({
      data: { interactionId: id, authorId: actor.id, body: text, createdAt: now },
      select: { id: true },
    });
    await tx.interaction.updateMany({
      where: { id, firstResponseAt: null },
      data: { firstResponseAt: now },
    });
    await notifyMentions(tx, { text, actorId: actor.id, record: { type: 'interaction', id } });
    return written;
  });
}

const TRANSITIONS: Record<InteractionStatus, InteractionStatus[]> = {
  active: ['pending', 'resolved'],
  pending: ['active', 'resolved'],
  resolved: [],
};

export function canTransition(from: InteractionStatus, to: InteractionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

function assertCanBecome(from: InteractionStatus, to: InteractionStatus): void {
  if (!canTransition(from, to))
    throw new TransitionError(`An interaction that is ${from} cannot become ${to}.`);
}

/** The row's new status; ending also stamps endedAt (never before the start) and the duration. */
function statusUpdate(
  row: { startedAt: Date },
  to: InteractionStatus,
  now: Date,
): Prisma.InteractionUpdateManyMutationInput {
  const data: Prisma.InteractionUpdateManyMutationInput = { status: to, version: { increment: 1 } };
  if (to !== 'resolved') return data;
  const endedAt = now.getTime() < row.startedAt.getTime() ? row.startedAt : now;
  return { ...data, endedAt, durationSeconds: computeDurationSeconds(row.startedAt, endedAt) };
}

export interface StatusChange {
  to: InteractionStatus;
  /** The version the user's page showed. */
  version: number;
  now?: Date;
}

/**
 * active ⇄ pending, and either → resolved (stamps endedAt and the server-computed duration).
 * If the row changed since the user's page was shown, nothing is written and a ConflictError
 * carries the current state (checked before the lifecycle, so a stale page always learns what
 * happened rather than getting a bare refusal).
 */
export async function changeStatus(db: Db, actor: Actor, id: number, change: StatusChange) {
  const { to, version, now = new Date() } = change;
  const row = await loadForAction(db, id);
  assertCanAct(actor, row);
  if (row.version !== version) throw await conflict(db, id);
  assertCanBecome(row.status, to);
  const data = statusUpdate(row, to, now);
  const changed = await db.$transaction(async (tx) => {
    // The version in the WHERE makes the change atomic: a concurrent change makes this one write nothing.
    const { count } = await tx.interaction.updateMany({ where: { id, version }, data });
    if (count === 0) return false;
    await recordStatus(tx, { id, actorId: actor.id, from: row.status, to });
    return true;
  });
  if (!changed) throw await conflict(db, id);
}
