import type { Actor } from '../../auth/actor.js';
import { currentTimeZone } from '../../lib/time.js';
import type { Db } from '../../db/client.js';
import type { InteractionStatus } from '../../generated/prisma/enums.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { ConflictError, NotFoundError, TransitionError, ValidationError } from '../../errors.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { assertCanAct, defaultScope } from './policy.js';
import type { CreateInput, ListQuery } from './schema.js';
import { escapeLike } from '../../lib/like.js';
import { PHOTO_STAMP } from '../customers/avatar.js';

/** Whole seconds from start to end, never negative; a pending period is part of it. */
export function computeDurationSeconds(startedAt: Date, endedAt: Date): number {
  return Math.max(0, Math.floor((endedAt.getTime() - startedAt.getTime()) / 1000));
}

export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'P2002';
}

/** Customers by name, email or phone digits (trigram indexes serve ILIKE '%…%'). */
export async function searchCustomers(db: Db, q: string | undefined) {
  const text = (q ?? '').trim();
  if (text.length < 2) return [];
  const digits = text.replace(/\D/g, '');
  const or: Prisma.CustomerWhereInput[] = [
    { fullName: { contains: escapeLike(text), mode: 'insensitive' } },
    { email: { contains: escapeLike(text), mode: 'insensitive' } },
  ];
  if (digits.length >= 3 && /^[\d\s()+-]+$/.test(text))
    or.push({ phoneDigits: { contains: digits } });
  return db.customer.findMany({
    where: { OR: or },
    select: { id: true, fullName: true, email: true, phone: true },
    orderBy: [{ fullName: 'asc' }, { id: 'asc' }],
    take: 20,
  });
}

export async function findCustomer(db: Db, id: number) {
  return db.customer.findUnique({
    where: { id },
    select: { id: true, fullName: true, email: true, phone: true },
  });
}

function customerWhere(text: string | undefined): Prisma.InteractionWhereInput | undefined {
  if (!text) return undefined;
  if (/^\d{1,10}$/.test(text) && Number(text) <= 2_147_483_647) return { customerId: Number(text) };
  return { customer: { fullName: { contains: escapeLike(text), mode: 'insensitive' } } };
}

/** [start of `from`, start of the day after `to`) in the viewer's zone, converted by PostgreSQL. */
async function localDayBounds(
  db: Db,
  from: string | undefined,
  to: string | undefined,
  zone = currentTimeZone(),
) {
  const [row] = await db.$queryRaw<{ gte: Date | null; lt: Date | null }[]>`
    SELECT (${from ?? null}::date::timestamp AT TIME ZONE ${zone}::text) AS gte,
           ((${to ?? null}::date + 1)::timestamp AT TIME ZONE ${zone}::text) AS lt`;
  return { ...(row.gte ? { gte: row.gte } : {}), ...(row.lt ? { lt: row.lt } : {}) };
}

const LIST_SELECT = {
  id: true,
  channel: true,
  status: true,
  subject: true,
  startedAt: true,
  endedAt: true,
  durationSeconds: true,
  agentId: true,
  customer: { select: { id: true, fullName: true } },
  agent: { select: { name: true } },
} satisfies Prisma.InteractionSelect;

export async function listInteractions(db: Db, actor: Actor, query: ListQuery, page: number) {
  const scope = query.scope ?? defaultScope(actor);
  const startedAt: Prisma.DateTimeFilter = {};
  if (query.from || query.to)
    Object.assign(startedAt, await localDayBounds(db, query.from, query.to));
  const where: Prisma.InteractionWhereInput = {
    ...(scope === 'mine' ? { agentId: actor.id } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.channel ? { channel: query.channel } : {}),
    ...(query.from || query.to ? { startedAt } : {}),
    ...customerWhere(query.customer),
  };
  const rows = await db.interaction.findMany({
    where,
    select: LIST_SELECT,
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    skip: (page - 1) * PAGE_SIZE,
    take: PAGE_SIZE + 1,
  });
  return { rows: rows.slice(0, PAGE_SIZE), hasMore: rows.length > PAGE_SIZE, scope };
}

/** One interaction as its list row shows it, or null when there is no such interaction. */
export async function interactionRow(db: Db, id: number) {
  return db.interaction.findUnique({ where: { id }, select: LIST_SELECT });
}

/** Starts an active interaction; a repeated idempotency key returns the first one. */
export async function startInteraction(
  db: Db,
  actor: Actor,
  input: CreateInput,
  now = new Date(),
): Promise<{ id: number; created: boolean }> {
  if (input.idempotencyKey) {
    const existing = await db.interaction.findUnique({
      where: { idempotencyKey: input.idempotencyKey },
      select: { id: true },
    });
    if (existing) return { id: existing.id, created: false };
  }
  const customer = await findCustomer(db, input.customerId);
  if (!customer)
    throw new ValidationError('Choose an existing customer.', {
      customerId: 'That customer does not exist.',
    });
  try {
    const row = await db.$transaction(async (tx) => {
      const created = await tx.interaction.create({
        data: {
          customerId: customer.id,
          agentId: actor.id,
          channel: input.channel,
          status: 'active',
          subject: input.subject || null,
          startedAt: now,
          idempotencyKey: input.idempotencyKey ?? null,
        },
        select: { id: true },
      });
      await tx.recordChange.create({
        data: {
          recordType: 'interaction',
          recordId: created.id,
          actorId: actor.id,
          field: 'status',
          fromValue: null,
          toValue: 'active',
        },
      });
      return created;
    });
    return { id: row.id, created: true };
  } catch (error) {
    if (isUniqueViolation(error) && input.idempotencyKey) {
      const existing = await db.interaction.findUnique({
        where: { idempotencyKey: input.idempotencyKey },
        select: { id: true },
      });
      if (existing) return { id: existing.id, created: false };
    }
    throw error;
  }
}

export async function getInteraction(db: Db, id: number) {
  const interaction = await db.interaction.findUnique({
    where: { id },
    select: {
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
    },
  });
  if (!interaction) throw new NotFoundError('No such interaction.');
  const changes = await db.recordChange.findMany({
    where: { recordType: 'interaction', recordId: id },
    select: {
      id: true,
      field: true,
      fromValue: true,
      toValue: true,
      createdAt: true,
      actor: { select: { name: true } },
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return { ...interaction, changes };
}

/**
 * Of the given escalation ids, those the viewer may open, in one query with the escalations
 * module's own visibility rule (used to decide which escalation links a ticket or interaction page shows).
 */

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
      select: {
        field: true,
        fromValue: true,
        toValue: true,
        createdAt: true,
        actor: { select: { name: true } },
      },
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

/** Internal note (never shown to patients); the first one stamps firstResponseAt. */
export async function addNote(db: Db, actor: Actor, id: number, body: string, now = new Date()) {
  const row = await loadForAction(db, id);
  assertCanAct(actor, row);
  if (row.status === 'resolved')
    throw new TransitionError('This interaction has ended; notes can no longer be added.');
  return db.$transaction(async (tx) => {
    const note = await tx.interactionNote.create({
      data: { interactionId: id, authorId: actor.id, body, createdAt: now },
      select: { id: true },
    });
    await tx.interaction.updateMany({
      where: { id, firstResponseAt: null },
      data: { firstResponseAt: now },
    });
    return note;
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

/**
 * active ⇄ pending, and either → resolved (stamps endedAt and the server-computed duration).
 * `version` is the one the user's page showed: if the row changed since, nothing is written and a
 * ConflictError carries the current state (checked before the lifecycle, so a stale page always
 * learns what happened rather than getting a bare refusal).
 */
export async function changeStatus(
  db: Db,
  actor: Actor,
  id: number,
  to: InteractionStatus,
  version: number,
  now = new Date(),
) {
  const row = await loadForAction(db, id);
  assertCanAct(actor, row);
  if (row.version !== version) throw await conflict(db, id);
  if (!canTransition(row.status, to))
    throw new TransitionError(`An interaction that is ${row.status} cannot become ${to}.`);
  const data: Prisma.InteractionUpdateManyMutationInput = { status: to, version: { increment: 1 } };
  if (to === 'resolved') {
    const endedAt = now.getTime() < row.startedAt.getTime() ? row.startedAt : now;
    data.endedAt = endedAt;
    data.durationSeconds = computeDurationSeconds(row.startedAt, endedAt);
  }
  const changed = await db.$transaction(async (tx) => {
    // The version in the WHERE makes the change atomic: a concurrent change makes this one write nothing.
    const { count } = await tx.interaction.updateMany({ where: { id, version }, data });
    if (count === 0) return false;
    await tx.recordChange.create({
      data: {
        recordType: 'interaction',
        recordId: id,
        actorId: actor.id,
        field: 'status',
        fromValue: row.status,
        toValue: to,
      },
    });
    return true;
  });
  if (!changed) throw await conflict(db, id);
}
