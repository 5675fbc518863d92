import type pg from 'pg';
import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { TicketPriority, TicketStatus } from '../../generated/prisma/enums.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TransitionError,
  ValidationError,
} from '../../errors.js';
import { makeReference } from '../../lib/references.js';
import { assertCanAct, canAssign } from './policy.js';
import type { CreateInput, EditInput } from './schema.js';
import { notify } from '../notifications/service.js';
import { computeSla, type SlaTarget } from './sla.js';
import { readTicketPage } from './show-queries.js';
import { canTransition, stampFirstResponse, writeStatus } from './status.js';

export const MAX_NUMBER_ATTEMPTS = 5;

export interface CreateOptions {
  /** Injected in tests to force a collision. */
  makeNumber?: () => string;
  now?: Date;
}

function uniqueViolationOn(error: unknown): string | null {
  const e = error as { code?: string; meta?: unknown; message?: string } | null;
  if (e?.code !== 'P2002') return null;
  const text = JSON.stringify(e.meta ?? {}) + ' ' + (e.message ?? '');
  if (text.includes('idempotency_key') || text.includes('idempotencyKey')) return 'idempotency_key';
  if (text.includes('number')) return 'number';
  return 'unknown';
}

export async function slaTargets(db: Db): Promise<Record<string, SlaTarget>> {
  const rows = await db.slaTarget.findMany({
    select: { priority: true, firstResponseMins: true, resolutionMins: true },
  });
  return Object.fromEntries(
    rows.map((r) => [
      r.priority,
      { firstResponseMins: r.firstResponseMins, resolutionMins: r.resolutionMins },
    ]),
  );
}

async function change(
  tx: Prisma.TransactionClient,
  ticketId: number,
  actorId: number,
  field: string,
  fromValue: string | null,
  toValue: string | null,
) {
  await tx.recordChange.create({
    data: { recordType: 'ticket', recordId: ticketId, actorId, field, fromValue, toValue },
  });
}

// ---------------------------------------------------------------- create

/** What a new-ticket form is pre-filled with when it comes from an interaction or a consultation. */
export async function prefill(
  db: Db,
  source: { interactionId?: number; consultationId?: number; customerId?: number },
) {
  if (source.interactionId) {
    const i = await db.interaction.findUnique({
      where: { id: source.interactionId },
      select: {
        id: true,
        channel: true,
        subject: true,
        customer: { select: { id: true, fullName: true, email: true } },
      },
    });
    if (!i) throw new NotFoundError('No such interaction.');
    return {
      customer: i.customer,
      interaction: { id: i.id, channel: i.channel },
      consultation: null,
      subject: i.subject ?? `Follow-up to ${i.channel} interaction #${i.id}`,
      category: '',
    };
  }
  if (source.consultationId) {
    const c = await db.consultation.findUnique({
      where: { id: source.consultationId },
      select: {
        id: true,
        reference: true,
        customer: { select: { id: true, fullName: true, email: true } },
      },
    });
    if (!c) throw new NotFoundError('No such consultation.');
    return {
      customer: c.customer,
      interaction: null,
      consultation: { id: c.id, reference: c.reference },
      subject: `About consultation ${c.reference}`,
      category: 'appointment',
    };
  }
  const customer = source.customerId
    ? await db.customer.findUnique({
        where: { id: source.customerId },
        select: { id: true, fullName: true, email: true },
      })
    : null;
  return { customer, interaction: null, consultation: null, subject: '', category: '' };
}

/**
 * Creates an open ticket numbered TKT-XXXXXXXX. A number collision (unique constraint) is retried
 * with a fresh number; a repeated idempotency key returns the ticket the first submit created.
 */
export async function createTicket(
  db: Db,
  actor: Actor,
  input: CreateInput,
  options: CreateOptions = {},
): Promise<{ id: number; number: string; created: boolean }> {
  const makeNumber = options.makeNumber ?? (() => makeReference('TKT'));
  const existingByKey = async () =>
    input.idempotencyKey
      ? db.supportTicket.findUnique({
          where: { idempotencyKey: input.idempotencyKey },
          select: { id: true, number: true },
        })
      : null;

  const existing = await existingByKey();
  if (existing) return { ...existing, created: false };

  const errors: Record<string, string> = {};
  const customer = await db.customer.findUnique({
    where: { id: input.customerId },
    select: { id: true },
  });
  if (!customer) errors.customerId = 'That customer does not exist.';
  if (input.interactionId) {
    const i = await db.interaction.findUnique({
      where: { id: input.interactionId },
      select: { customerId: true },
    });
    if (!i) errors.interactionId = 'That interaction does not exist.';
    else if (i.customerId !== input.customerId)
      errors.interactionId = 'That interaction belongs to another customer.';
  }
  if (input.consultationId) {
    const c = await db.consultation.findUnique({
      where: { id: input.consultationId },
      select: { customerId: true },
    });
    if (!c) errors.consultationId = 'That consultation does not exist.';
    else if (c.customerId !== input.customerId)
      errors.consultationId = 'That consultation belongs to another customer.';
  }
  if (Object.keys(errors).length)
    throw new ValidationError('Check the highlighted fields.', errors);

  for (let attempt = 1; attempt <= MAX_NUMBER_ATTEMPTS; attempt++) {
    const number = makeNumber();
    try {
      const row = await db.$transaction(async (tx) => {
        const created = await tx.supportTicket.create({
          data: {
            number,
            customerId: input.customerId,
            interactionId: input.interactionId ?? null,
            consultationId: input.consultationId ?? null,
            category: input.category,
            priority: input.priority,
            subject: input.subject,
            description: input.description,
            createdById: actor.id,
            idempotencyKey: input.idempotencyKey ?? null,
            status: 'open',
            ...(options.now ? { createdAt: options.now } : {}),
          },
          select: { id: true, number: true },
        });
        await change(tx, created.id, actor.id, 'status', null, 'open');
        if (input.interactionId)
          await change(tx, created.id, actor.id, 'interaction', null, `#${input.interactionId}`);
        if (input.consultationId)
          await change(tx, created.id, actor.id, 'consultation', null, `#${input.consultationId}`);
        return created;
      });
      return { ...row, created: true };
    } catch (error) {
      const target = uniqueViolationOn(error);
      if (!target) throw error;
      const again = await existingByKey();
      if (again) return { ...again, created: false };
      if (target === 'idempotency_key') throw error;
      // A number collision: try again with a fresh number.
    }
  }
  throw new Error(
    `Could not allocate a unique ticket number after ${MAX_NUMBER_ATTEMPTS} attempts`,
  );
}

// ---------------------------------------------------------------- show

const EDITABLE = {
  id: true,
  number: true,
  subject: true,
  description: true,
  category: true,
  priority: true,
  version: true,
  assigneeId: true,
  status: true,
} as const;

/** The ticket page's ticket: the record, its SLA clocks, escalations, history and thread. */
export async function getTicket(pool: pg.Pool, id: number, now = new Date()) {
  const page = await readTicketPage(pool, id);
  return {
    ...page.ticket,
    escalations: page.escalations,
    changes: page.changes,
    thread: { merged: page.mergedFrom, entries: page.entries },
    followUps: page.followUps,
    mergeCandidates: page.mergeCandidates,
    sla: computeSla(page.ticket, page.target, now),
  };
}

export async function getEditable(db: Db, id: number) {
  const row = await db.supportTicket.findUnique({ where: { id }, select: EDITABLE });
  if (!row) throw new NotFoundError('No such ticket.');
  return row;
}

/** The edit form's record, for someone who may edit it. */
export async function getEditableBy(db: Db, actor: Actor, id: number) {
  const ticket = await getEditable(db, id);
  assertCanAct(actor, ticket);
  return ticket;
}

// ---------------------------------------------------------------- actions

export const MERGED_REFUSAL = 'This ticket was merged into another; change that one instead.';

function assertNotMerged(ticket: { status: TicketStatus }): void {
  if (ticket.status === 'merged') throw new TransitionError(MERGED_REFUSAL);
}

export type ClaimResult =
  { ok: true } | { ok: false; ownerName: string | null; reason: 'taken' | 'resolved' };

/** Atomic: UPDATE … WHERE assignee_id IS NULL. Of two racing claims exactly one wins. */
export async function claimTicket(
  db: Db,
  actor: Actor,
  id: number,
  now = new Date(),
): Promise<ClaimResult> {
  const exists = await db.supportTicket.findUnique({ where: { id }, select: { id: true } });
  if (!exists) throw new NotFoundError('No such ticket.');
  const won = await db.$transaction(async (tx) => {
    const { count } = await tx.supportTicket.updateMany({
      where: { id, assigneeId: null, status: { notIn: ['resolved', 'merged'] } },
      data: { assigneeId: actor.id, version: { increment: 1 } },
    });
    if (count === 0) return false;
    await stampFirstResponse(tx, id, now);
    await change(tx, id, actor.id, 'assignee', null, actor.name ?? `user #${actor.id}`);
    return true;
  });
  if (won) return { ok: true };
  const current = await db.supportTicket.findUnique({
    where: { id },
    select: { status: true, assignee: { select: { name: true } } },
  });
  if (current?.assignee) return { ok: false, ownerName: current.assignee.name, reason: 'taken' };
  return { ok: false, ownerName: null, reason: 'resolved' };
}

/** Supervisors/admins assign or reassign (or unassign with null), guarded by the version. */
export async function assignTicket(
  db: Db,
  actor: Actor,
  id: number,
  assigneeId: number | null,
  version: number,
  now = new Date(),
) {
  if (!canAssign(actor))
    throw new ForbiddenError('Only supervisors and admins can assign tickets.');
  const current = await db.supportTicket.findUnique({
    where: { id },
    select: { ...EDITABLE, assignee: { select: { name: true } } },
  });
  if (!current) throw new NotFoundError('No such ticket.');
  assertNotMerged(current);
  let assigneeName: string | null = null;
  if (assigneeId !== null) {
    const user = await db.user.findUnique({
      where: { id: assigneeId },
      select: { name: true, role: true, active: true },
    });
    if (!user || !user.active || user.role === 'doctor')
      throw new ValidationError('Choose an active agent, supervisor or admin.', {
        assigneeId: 'Choose an active agent, supervisor or admin.',
      });
    assigneeName = user.name;
  }
  await db.$transaction(async (tx) => {
    const { count } = await tx.supportTicket.updateMany({
      where: { id, version },
      data: { assigneeId, version: { increment: 1 } },
    });
    if (count === 0)
      throw new ConflictError(
        'Someone changed this ticket since you loaded it.',
        await tx.supportTicket.findUnique({ where: { id }, select: EDITABLE }),
      );
    await stampFirstResponse(tx, id, now);
    if (current.assigneeId !== assigneeId) {
      await change(tx, id, actor.id, 'assignee', current.assignee?.name ?? null, assigneeName);
      const assigned = {
        kind: 'ticket_assigned',
        recordType: 'ticket',
        recordId: id,
        actorId: actor.id,
      } as const;
      if (assigneeId !== null) await notify(tx, [{ ...assigned, userId: assigneeId }]);
    }
  });
}

/**
 * A person moves the ticket along the state machine in status.ts (open → pending → resolved and
 * back to open). `escalated` is set only by the escalations module.
 */
export async function changeStatus(
  db: Db,
  actor: Actor,
  id: number,
  to: TicketStatus,
  version: number,
  now = new Date(),
) {
  const ticket = await db.supportTicket.findUnique({
    where: { id },
    select: {
      id: true,
      status: true,
      assigneeId: true,
      pendingSince: true,
      resolvedAt: true,
      version: true,
    },
  });
  if (!ticket) throw new NotFoundError('No such ticket.');
  assertCanAct(actor, ticket);
  if (ticket.version !== version)
    throw new ConflictError(
      'Someone changed this ticket since you loaded it.',
      await getEditable(db, id),
    );
  if (!canTransition(ticket.status, to))
    throw new TransitionError(`A ${ticket.status} ticket cannot be set to ${to}.`);
  await db.$transaction(async (tx) => {
    if (!(await writeStatus(tx, { ticket, to, actorId: actor.id, now })))
      throw new ConflictError(
        'Someone changed this ticket since you loaded it.',
        await tx.supportTicket.findUnique({ where: { id }, select: EDITABLE }),
      );
  });
}

/** Subject/description/category/priority, guarded by the version (409 with the saved values). */
export async function editTicket(
  db: Db,
  actor: Actor,
  id: number,
  input: EditInput,
  now = new Date(),
) {
  const current = await getEditable(db, id);
  assertCanAct(actor, current);
  assertNotMerged(current);
  await db.$transaction(async (tx) => {
    const { count } = await tx.supportTicket.updateMany({
      where: { id, version: input.version },
      data: {
        subject: input.subject,
        description: input.description,
        category: input.category,
        priority: input.priority,
        version: { increment: 1 },
      },
    });
    if (count === 0)
      throw new ConflictError(
        'Someone saved this ticket since you loaded it.',
        await tx.supportTicket.findUnique({ where: { id }, select: EDITABLE }),
      );
    await stampFirstResponse(tx, id, now);
    for (const field of ['subject', 'category', 'priority'] as const) {
      if (current[field] !== input[field])
        await change(tx, id, actor.id, field, current[field], input[field]);
    }
    if (current.description !== input.description)
      await change(tx, id, actor.id, 'description', null, null);
  });
}

/** The priority alone (bulk work on the list), guarded by the version like every other change. */
export async function setPriority(
  db: Db,
  actor: Actor,
  id: number,
  priority: TicketPriority,
  version: number,
) {
  const current = await getEditable(db, id);
  assertCanAct(actor, current);
  assertNotMerged(current);
  if (current.priority === priority) throw new ValidationError(`already ${priority}`);
  await db.$transaction(async (tx) => {
    const data = { priority, version: { increment: 1 } };
    const { count } = await tx.supportTicket.updateMany({ where: { id, version }, data });
    if (count === 0)
      throw new ConflictError('Someone changed this ticket since you loaded it.', null);
    await change(tx, id, actor.id, 'priority', current.priority, priority);
  });
}
