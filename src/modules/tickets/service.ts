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
import { assertCanAct, canAssign } from './policy.js';
import type { EditInput } from './schema.js';
import { notify } from '../notifications/service.js';
import { computeSla, type SlaTarget } from './sla.js';
import { readTicketPage } from './show-queries.js';
import { canTransition, stampFirstResponse, writeStatus } from './status.js';
import { recordChange } from './history.js';

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

type Tx = Prisma.TransactionClient;

// ---------------------------------------------------------------- new ticket form

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

const CHANGED = 'Someone changed this ticket since you loaded it.';

/** The refusal for a stale page, carrying what is saved now. */
async function staleTicket(db: Db | Tx, id: number, message = CHANGED): Promise<ConflictError> {
  return new ConflictError(
    message,
    await db.supportTicket.findUnique({ where: { id }, select: EDITABLE }),
  );
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
    const name = actor.name ?? `user #${actor.id}`;
    await recordChange(tx, actor, { ticketId: id, field: 'assignee', from: null, to: name });
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

/** The name of the person a ticket may be assigned to: an active agent, supervisor or admin. */
async function assigneeNameOf(db: Db, assigneeId: number): Promise<string> {
  const user = await db.user.findUnique({
    where: { id: assigneeId },
    select: { name: true, role: true, active: true },
  });
  if (!user || !user.active || user.role === 'doctor')
    throw new ValidationError('Choose an active agent, supervisor or admin.', {
      assigneeId: 'Choose an active agent, supervisor or admin.',
    });
  return user.name;
}

export interface Assignment {
  /** null unassigns. */
  assigneeId: number | null;
  /** The version the user's page showed. */
  version: number;
  now?: Date;
}

/** Supervisors/admins assign or reassign (or unassign with null), guarded by the version. */
export async function assignTicket(db: Db, actor: Actor, id: number, assignment: Assignment) {
  const { assigneeId, version, now = new Date() } = assignment;
  if (!canAssign(actor))
    throw new ForbiddenError('Only supervisors and admins can assign tickets.');
  const current = await db.supportTicket.findUnique({
    where: { id },
    select: { ...EDITABLE, assignee: { select: { name: true } } },
  });
  if (!current) throw new NotFoundError('No such ticket.');
  assertNotMerged(current);
  const assigneeName = assigneeId === null ? null : await assigneeNameOf(db, assigneeId);
  await db.$transaction(async (tx) => {
    const { count } = await tx.supportTicket.updateMany({
      where: { id, version },
      data: { assigneeId, version: { increment: 1 } },
    });
    if (count === 0) throw await staleTicket(tx, id);
    await stampFirstResponse(tx, id, now);
    if (current.assigneeId === assigneeId) return;
    const from = current.assignee?.name ?? null;
    await recordChange(tx, actor, { ticketId: id, field: 'assignee', from, to: assigneeName });
    if (assigneeId !== null)
      await notify(tx, [
        {
          kind: 'ticket_assigned',
          recordType: 'ticket',
          recordId: id,
          actorId: actor.id,
          userId: assigneeId,
        },
      ]);
  });
}

export interface StatusChange {
  to: TicketStatus;
  /** The version the user's page showed. */
  version: number;
  now?: Date;
}

/**
 * A person moves the ticket along the state machine in status.ts (open → pending → resolved and
 * back to open). `escalated` is set only by the escalations module.
 */
export async function changeStatus(db: Db, actor: Actor, id: number, change: StatusChange) {
  const { to, version, now = new Date() } = change;
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
  if (ticket.version !== version) throw new ConflictError(CHANGED, await getEditable(db, id));
  if (!canTransition(ticket.status, to))
    throw new TransitionError(`A ${ticket.status} ticket cannot be set to ${to}.`);
  await db.$transaction(async (tx) => {
    if (!(await writeStatus(tx, { ticket, to, actorId: actor.id, now })))
      throw await staleTicket(tx, id);
  });
}

/** Subject/description/category/priority, guarded by the version (409 with the saved values). */
export async function editTicket(
  db: Db,
  actor: Actor,
  id: number,
  edit: EditInput & { now?: Date },
) {
  const { now = new Date(), ...input } = edit;
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
      throw await staleTicket(tx, id, 'Someone saved this ticket since you loaded it.');
    await stampFirstResponse(tx, id, now);
    for (const field of ['subject', 'category', 'priority'] as const) {
      if (current[field] !== input[field])
        await recordChange(tx, actor, {
          ticketId: id,
          field,
          from: current[field],
          to: input[field],
        });
    }
    if (current.description !== input.description)
      await recordChange(tx, actor, { ticketId: id, field: 'description', from: null, to: null });
  });
}

/** The priority alone (bulk work on the list), guarded by the version like every other change. */
export async function setPriority(
  db: Db,
  actor: Actor,
  id: number,
  change: { priority: TicketPriority; version: number },
) {
  const { priority, version } = change;
  const current = await getEditable(db, id);
  assertCanAct(actor, current);
  assertNotMerged(current);
  if (current.priority === priority) throw new ValidationError(`already ${priority}`);
  await db.$transaction(async (tx) => {
    const data = { priority, version: { increment: 1 } };
    const { count } = await tx.supportTicket.updateMany({ where: { id, version }, data });
    if (count === 0) throw new ConflictError(CHANGED, null);
    await recordChange(tx, actor, {
      ticketId: id,
      field: 'priority',
      from: current.priority,
      to: priority,
    });
  });
}
