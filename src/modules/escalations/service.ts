import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TransitionError,
  ValidationError,
} from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type {
  EscalationStatus,
  EscalationTarget,
  TicketStatus,
} from '../../generated/prisma/enums.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { canAct, canRaise, defaultScope, TRANSITIONS, visibleWhere } from './policy.js';
import type { CloseInput, ListQuery, RaiseInput, ResolveInput, SourceRef } from './schema.js';
import { notify } from '../notifications/service.js';
import { writeStatus } from '../tickets/status.js';

type Tx = Prisma.TransactionClient;

// ---------------------------------------------------------------------------------------------
// Sources (ticket / interaction / consultation) — identifiers, subject, status and customer name
// only. Medical relations are never selected.

export interface SourceSummary {
  kind: 'ticket' | 'interaction' | 'consultation';
  id: number;
  label: string;
  title: string | null;
  status: string;
  customerId: number;
  customerName: string;
  href: string;
}

export async function loadSource(db: Db, ref: SourceRef): Promise<SourceSummary> {
  if (ref.ticketId !== undefined) {
    const t = await db.supportTicket.findUnique({
      where: { id: ref.ticketId },
      select: {
        id: true,
        number: true,
        subject: true,
        status: true,
        customerId: true,
        customer: { select: { fullName: true } },
      },
    });
    if (!t) throw new NotFoundError('That ticket does not exist.');
    return {
      kind: 'ticket',
      id: t.id,
      label: `Ticket ${t.number}`,
      title: t.subject,
      status: t.status,
      customerId: t.customerId,
      customerName: t.customer.fullName,
      href: `/tickets/${t.id}`,
    };
  }
  if (ref.interactionId !== undefined) {
    const i = await db.interaction.findUnique({
      where: { id: ref.interactionId },
      select: {
        id: true,
        channel: true,
        subject: true,
        status: true,
        customerId: true,
        customer: { select: { fullName: true } },
      },
    });
    if (!i) throw new NotFoundError('That interaction does not exist.');
    return {
      kind: 'interaction',
      id: i.id,
      label: `Interaction #${i.id} (${i.channel})`,
      title: i.subject,
      status: i.status,
      customerId: i.customerId,
      customerName: i.customer.fullName,
      href: `/interactions/${i.id}`,
    };
  }
  if (ref.consultationId !== undefined) {
    const c = await db.consultation.findUnique({
      where: { id: ref.consultationId },
      select: {
        id: true,
        reference: true,
        mode: true,
        status: true,
        customerId: true,
        customer: { select: { fullName: true } },
      },
    });
    if (!c) throw new NotFoundError('That consultation does not exist.');
    return {
      kind: 'consultation',
      id: c.id,
      label: `Consultation ${c.reference} (${c.mode})`,
      title: null,
      status: c.status,
      customerId: c.customerId,
      customerName: c.customer.fullName,
      href: `/consultations/${c.id}`,
    };
  }
  throw new ValidationError(
    'Raise an escalation from exactly one ticket, interaction or consultation.',
  );
}

// ---------------------------------------------------------------------------------------------
// Recipients

export interface Recipients {
  admins: Array<{ id: number; name: string }>;
  doctors: Array<{ id: number; name: string; specialization: string }>;
}

export async function listRecipients(db: Db): Promise<Recipients> {
  const [admins, doctors] = await Promise.all([
    db.user.findMany({
      where: { role: 'admin', active: true },
      select: { id: true, name: true },
      orderBy: [{ name: 'asc' }, { id: 'asc' }],
    }),
    db.user.findMany({
      where: { role: 'doctor', active: true, doctorProfile: { is: { available: true } } },
      select: { id: true, name: true, doctorProfile: { select: { specialization: true } } },
      orderBy: [{ name: 'asc' }, { id: 'asc' }],
    }),
  ]);
  return {
    admins,
    doctors: doctors.map((d) => ({
      id: d.id,
      name: d.name,
      specialization: d.doctorProfile?.specialization ?? '',
    })),
  };
}

async function assertRecipient(
  db: Db,
  targetType: 'admin' | 'doctor',
  targetUserId: number,
): Promise<void> {
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

// ---------------------------------------------------------------------------------------------
// History

async function recordChange(
  tx: Tx,
  recordType: 'ticket' | 'escalation',
  recordId: number,
  actorId: number,
  field: string,
  fromValue: string | null,
  toValue: string | null,
) {
  await tx.recordChange.create({
    data: { recordType, recordId, actorId, field, fromValue, toValue },
  });
}

/** Moves the escalation's ticket through the ticket state machine's bookkeeping; no-op when already there. */
async function setTicketStatus(
  tx: Tx,
  actor: Actor,
  ticketId: number,
  to: TicketStatus,
  now: Date,
): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const ticket = await tx.supportTicket.findUnique({
      where: { id: ticketId },
      select: { id: true, status: true, version: true, pendingSince: true, resolvedAt: true },
    });
    if (!ticket || ticket.status === to) return;
    if (await writeStatus(tx, { ticket, to, actorId: actor.id, now })) return;
  }
  throw new ConflictError('The ticket kept changing while we updated it; try again.', null);
}

// ---------------------------------------------------------------------------------------------
// Raise

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === 'P2002';
}

export async function raiseEscalation(
  db: Db,
  actor: Actor,
  ref: SourceRef,
  input: RaiseInput,
  now = new Date(),
): Promise<{ id: number; created: boolean }> {
  if (!canRaise(actor))
    throw new ForbiddenError('Only agents, supervisors and admins raise escalations.');
  if (input.idempotencyKey) {
    const existing = await db.escalation.findUnique({
      where: { idempotencyKey: input.idempotencyKey },
      select: { id: true },
    });
    if (existing) return { id: existing.id, created: false };
  }
  const source = await loadSource(db, ref);
  if (source.kind === 'ticket' && source.status === 'resolved') {
    throw new ValidationError('This ticket is resolved; reopen it before escalating.', {
      _form: 'This ticket is resolved; reopen it before escalating.',
    });
  }
  await assertRecipient(db, input.targetType, input.targetUserId);

  try {
    const id = await db.$transaction(async (tx) => {
      const escalation = await tx.escalation.create({
        data: {
          customerId: source.customerId,
          ticketId: source.kind === 'ticket' ? source.id : null,
          interactionId: source.kind === 'interaction' ? source.id : null,
          consultationId: source.kind === 'consultation' ? source.id : null,
          targetType: input.targetType,
          targetUserId: input.targetUserId,
          raisedById: actor.id,
          reason: input.reason,
          idempotencyKey: input.idempotencyKey ?? null,
          createdAt: now,
        },
        select: { id: true },
      });
      await recordChange(tx, 'escalation', escalation.id, actor.id, 'status', null, 'pending');
      if (source.kind === 'ticket') await setTicketStatus(tx, actor, source.id, 'escalated', now);
      const addressed = {
        userId: input.targetUserId,
        kind: 'escalation_addressed',
        actorId: actor.id,
      } as const;
      await notify(tx, [{ ...addressed, recordType: 'escalation', recordId: escalation.id }]);
      return escalation.id;
    });
    return { id, created: true };
  } catch (error) {
    if (isUniqueViolation(error) && input.idempotencyKey) {
      const existing = await db.escalation.findUnique({
        where: { idempotencyKey: input.idempotencyKey },
        select: { id: true },
      });
      if (existing) return { id: existing.id, created: false };
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Read

export function isStale(
  status: EscalationStatus,
  createdAt: Date,
  staleHours: number,
  now = new Date(),
): boolean {
  return status === 'pending' && now.getTime() - createdAt.getTime() > staleHours * 3_600_000;
}

const detailSelect = {
  id: true,
  status: true,
  targetType: true,
  targetUserId: true,
  raisedById: true,
  reason: true,
  outcome: true,
  createdAt: true,
  updatedAt: true,
  takenAt: true,
  resolvedAt: true,
  version: true,
  customerId: true,
  ticketId: true,
  interactionId: true,
  consultationId: true,
  customer: { select: { id: true, fullName: true } },
  ticket: { select: { id: true, number: true, subject: true, status: true } },
  interaction: { select: { id: true, channel: true, subject: true, status: true } },
  consultation: { select: { id: true, reference: true, mode: true, status: true } },
  targetUser: {
    select: { id: true, name: true, doctorProfile: { select: { specialization: true } } },
  },
  raisedBy: { select: { id: true, name: true } },
  resolvedBy: { select: { id: true, name: true } },
} satisfies Prisma.EscalationSelect;

export type EscalationDetail = Prisma.EscalationGetPayload<{ select: typeof detailSelect }> & {
  stale: boolean;
  timeline: Array<{
    field: string;
    fromValue: string | null;
    toValue: string | null;
    createdAt: Date;
    actorName: string | null;
  }>;
};

/** One escalation the actor may see (404 otherwise), with its status history. */
export async function getEscalation(
  db: Db,
  actor: Actor,
  id: number,
  staleHours = 4,
  now = new Date(),
): Promise<EscalationDetail> {
  const row = await db.escalation.findFirst({
    where: { AND: [{ id }, visibleWhere(actor)] },
    select: detailSelect,
  });
  if (!row) throw new NotFoundError('Escalation not found.');
  const changes = await db.recordChange.findMany({
    where: { recordType: 'escalation', recordId: id },
    select: {
      field: true,
      fromValue: true,
      toValue: true,
      createdAt: true,
      actor: { select: { name: true } },
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: 200,
  });
  return {
    ...row,
    stale: isStale(row.status, row.createdAt, staleHours, now),
    timeline: changes.map((c) => ({
      field: c.field,
      fromValue: c.fromValue,
      toValue: c.toValue,
      createdAt: c.createdAt,
      actorName: c.actor?.name ?? null,
    })),
  };
}

const listSelect = {
  id: true,
  status: true,
  targetType: true,
  createdAt: true,
  resolvedAt: true,
  ticketId: true,
  interactionId: true,
  consultationId: true,
  customer: { select: { id: true, fullName: true } },
  ticket: { select: { number: true } },
  consultation: { select: { reference: true } },
  targetUser: { select: { id: true, name: true } },
  raisedBy: { select: { id: true, name: true } },
} satisfies Prisma.EscalationSelect;

export type EscalationRow = Prisma.EscalationGetPayload<{ select: typeof listSelect }> & {
  stale: boolean;
};

export interface EscalationList {
  rows: EscalationRow[];
  hasMore: boolean;
  scope: 'mine' | 'all';
}

/** Newest first, scoped to the actor, one page (PAGE_SIZE + 1 fetched to know if there is more). */
export async function listEscalations(
  db: Db,
  actor: Actor,
  query: ListQuery,
  staleHours: number,
  now = new Date(),
): Promise<EscalationList> {
  const scope = actor.role === 'admin' ? (query.scope ?? defaultScope(actor)) : 'all';
  const and: Prisma.EscalationWhereInput[] = [visibleWhere(actor)];
  if (scope === 'mine') and.push({ targetUserId: actor.id });
  if (query.status) and.push({ status: query.status });
  if (query.target) and.push({ targetType: query.target });
  if (query.stale)
    and.push({
      status: 'pending',
      createdAt: { lt: new Date(now.getTime() - staleHours * 3_600_000) },
    });
  const rows = await db.escalation.findMany({
    where: { AND: and },
    select: listSelect,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    skip: (query.page - 1) * PAGE_SIZE,
    take: PAGE_SIZE + 1,
  });
  return {
    rows: rows
      .slice(0, PAGE_SIZE)
      .map((row) => ({ ...row, stale: isStale(row.status, row.createdAt, staleHours, now) })),
    hasMore: rows.length > PAGE_SIZE,
    scope,
  };
}

/** One escalation as its list row shows it, or null when the actor may not see it. */
export async function escalationRow(
  db: Db,
  actor: Actor,
  id: number,
  staleHours: number,
  now = new Date(),
): Promise<EscalationRow | null> {
  const row = await db.escalation.findFirst({
    where: { AND: [{ id }, visibleWhere(actor)] },
    select: listSelect,
  });
  return row && { ...row, stale: isStale(row.status, row.createdAt, staleHours, now) };
}

// ---------------------------------------------------------------------------------------------
// Take / resolve / close

type Action = 'take' | 'resolve' | 'close';

function assertMayAct(
  actor: Actor,
  escalation: { targetUserId: number; targetType: EscalationTarget },
): void {
  if (!canAct(actor, escalation))
    throw new ForbiddenError('Only the person this escalation is addressed to can act on it.');
}

/** The permission check of take/resolve/close, made before their form is read (403 before 422). */
export async function assertMayActOn(db: Db, actor: Actor, id: number): Promise<void> {
  const escalation = await db.escalation.findFirst({
    where: { AND: [{ id }, visibleWhere(actor)] },
    select: { targetUserId: true, targetType: true },
  });
  if (!escalation) throw new NotFoundError('Escalation not found.');
  assertMayAct(actor, escalation);
}

const VERB: Record<Action, string> = { take: 'taken', resolve: 'resolved', close: 'closed' };

class StaleVersion extends Error {}

/** Loads, authorizes and version-checks; runs `apply` in a transaction guarded by the version. */
interface TransitionStep {
  db: Db;
  actor: Actor;
  id: number;
  version: number;
  action: Action;
  /** The escalation's columns this step writes. */
  data: (current: { ticketId: number | null }) => Prisma.EscalationUncheckedUpdateManyInput;
  /** Runs in the same transaction, after the escalation is written (the ticket's status). */
  after?: (tx: Tx, current: { ticketId: number | null }) => Promise<void>;
  /** Refuses the step before anything is written (a missing ticket status). */
  check?: (current: { ticketId: number | null }) => void;
}

async function transition(step: TransitionStep): Promise<void> {
  const { db, actor, id, version, action, data, after, check } = step;
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
  assertMayAct(actor, current);
  const conflict = async () =>
    new ConflictError(
      'Someone else acted on this escalation first.',
      await getEscalation(db, actor, id),
    );
  if (current.version !== version) throw await conflict();
  if (!TRANSITIONS[action].includes(current.status)) {
    throw new TransitionError(
      `This escalation is ${current.status.replace('_', ' ')}; it cannot be ${VERB[action]} now.`,
    );
  }
  check?.(current);
  try {
    await db.$transaction(async (tx) => {
      const { count } = await tx.escalation.updateMany({
        where: { id, version, status: { in: TRANSITIONS[action] } },
        data: { ...data(current), version: { increment: 1 } },
      });
      if (count !== 1) throw new StaleVersion();
      const to: EscalationStatus =
        action === 'take' ? 'in_progress' : action === 'resolve' ? 'resolved' : 'closed';
      await recordChange(tx, 'escalation', id, actor.id, 'status', current.status, to);
      if (after) await after(tx, current);
      if (action !== 'take') {
        const answered = {
          kind: 'escalation_answered',
          recordType: 'escalation',
          recordId: id,
        } as const;
        await notify(tx, [{ ...answered, userId: current.raisedById, actorId: actor.id }]);
      }
    });
  } catch (error) {
    if (error instanceof StaleVersion) throw await conflict();
    throw error;
  }
}

export async function takeEscalation(
  db: Db,
  actor: Actor,
  id: number,
  version: number,
  now = new Date(),
): Promise<void> {
  await transition({
    db,
    actor,
    id,
    version,
    action: 'take',
    data: () => ({ status: 'in_progress', takenAt: now }),
  });
}

export async function resolveEscalation(
  db: Db,
  actor: Actor,
  id: number,
  input: ResolveInput,
  now = new Date(),
): Promise<void> {
  await transition({
    db,
    actor,
    id,
    version: input.version,
    action: 'resolve',
    data: () => ({
      status: 'resolved',
      outcome: input.outcome,
      resolvedAt: now,
      resolvedById: actor.id,
    }),
    after: async (tx, current) => {
      if (current.ticketId && input.ticketStatus)
        await setTicketStatus(tx, actor, current.ticketId, input.ticketStatus, now);
    },
    check: (current) => {
      if (current.ticketId && !input.ticketStatus) {
        throw new ValidationError('Choose what happens to the ticket.', {
          ticketStatus: 'Choose whether the ticket returns to pending or is resolved.',
        });
      }
    },
  });
}

export async function closeEscalation(
  db: Db,
  actor: Actor,
  id: number,
  input: CloseInput,
  now = new Date(),
): Promise<void> {
  await transition({
    db,
    actor,
    id,
    version: input.version,
    action: 'close',
    data: () => ({
      status: 'closed',
      outcome: input.outcome ?? null,
      resolvedAt: now,
      resolvedById: actor.id,
    }),
    after: async (tx, current) => {
      if (!current.ticketId) return;
      if (input.ticketStatus)
        return setTicketStatus(tx, actor, current.ticketId, input.ticketStatus, now);
      // Not chosen: a ticket left "escalated" with no other open escalation goes back to pending.
      const ticket = await tx.supportTicket.findUnique({
        where: { id: current.ticketId },
        select: { status: true },
      });
      if (ticket?.status !== 'escalated') return;
      const others = await tx.escalation.count({
        where: {
          ticketId: current.ticketId,
          id: { not: id },
          status: { in: ['pending', 'in_progress'] },
        },
      });
      if (others === 0) await setTicketStatus(tx, actor, current.ticketId, 'pending', now);
    },
  });
}

/**
 * Escalations listed on a ticket or interaction page, as this viewer may see them: each says
 * whether the viewer may open it, and the outcome (the admin's or doctor's free-text answer) is
 * kept only on those; others show that the escalation exists and its status.
 */
export async function escalationsSeenBy<E extends { id: number; outcome: string | null }>(
  db: Db,
  actor: Actor,
  escalations: E[],
): Promise<(E & { openable: boolean })[]> {
  const openable = await visibleEscalationIds(
    db,
    actor,
    escalations.map((e) => e.id),
  );
  return escalations.map((e) =>
    openable.has(e.id) ? { ...e, openable: true } : { ...e, outcome: null, openable: false },
  );
}

/** Which of these escalations the actor may open: one query under the module's visibility rule. */
export async function visibleEscalationIds(
  db: Db,
  actor: Actor,
  ids: number[],
): Promise<Set<number>> {
  if (!ids.length) return new Set();
  const rows = await db.escalation.findMany({
    where: { AND: [{ id: { in: ids } }, visibleWhere(actor)] },
    select: { id: true },
  });
  return new Set(rows.map((e) => e.id));
}
