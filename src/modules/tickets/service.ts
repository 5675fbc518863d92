import { STAFF } from '../../auth/actor.js';
import type { Actor } from '../../auth/actor.js';
import { dayStartSql } from '../../lib/time.js';
import type pg from 'pg';
import type { Db } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { TicketCategory, TicketPriority, TicketStatus } from '../../generated/prisma/enums.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TransitionError,
  ValidationError,
} from '../../errors.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { makeReference } from '../../lib/references.js';
import { assertCanAct, canAssign, canViewAll, defaultView } from './policy.js';
import type { CreateInput, EditInput, ListQuery } from './schema.js';
import { notify } from '../notifications/service.js';
import { SLA_TARGET_IN_FORCE } from './queries.js';
import { computeSla, DUE_SOON_SECONDS, type SlaTarget, type SlaTicket } from './sla.js';
import { containsPattern } from '../../lib/like.js';
import { PHOTO_STAMP } from '../customers/avatar.js';
import { canTransition, stampFirstResponse, writeStatus } from './status.js';

export const MAX_NUMBER_ATTEMPTS = 5;
// Only these literal values are ever interpolated into the list SQL.
const STATUS_ORDER = ['open', 'pending', 'escalated', 'resolved', 'merged'] as const;
const PRIORITY_ORDER = ['urgent', 'high', 'medium', 'low'] as const;
const TICKET_NUMBER = /^TKT-[A-Z0-9]{8}$/;

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

const FALLBACK_TARGET: SlaTarget = { firstResponseMins: 480, resolutionMins: 4320 };

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

// ---------------------------------------------------------------- list

export interface ListOptions {
  now?: Date;
}

/** Resolves the tab: agents default to (and may only see) their own and the unassigned queue. */
export function resolveView(
  actor: Actor,
  requested: ListQuery['view'],
): 'mine' | 'unassigned' | 'all' {
  const view = requested ?? defaultView(actor);
  if (view === 'all' && !canViewAll(actor))
    throw new ForbiddenError('Only supervisors and admins can list all tickets.');
  return view;
}

/**
 * Ticket ids for one page, in SQL: urgent → low, then oldest first, across the whole result.
 * SLA filters compute the deadlines in SQL from the targets in force, so they work on any number of rows.
 */
export async function listTicketIds(
  pool: pg.Pool,
  actor: Actor,
  query: ListQuery,
  page: number,
  now: Date,
) {
  const { view, where, joins, params } = ticketListFilter(actor, query, now);
  const window = `LIMIT ${PAGE_SIZE + 1} OFFSET ${(page - 1) * PAGE_SIZE}`;
  const selective =
    query.q ||
    query.customer ||
    query.sla ||
    query.from ||
    query.to ||
    view === 'unassigned' ||
    query.assignee === 'none';
  if (selective) {
    // Selective filters: let PostgreSQL pick its index (trigram, customer, …) and sort the matches.
    const sql = `SELECT t.id FROM support_tickets t ${joins.join(' ')}
      ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY ${TICKET_LIST_ORDER} ${window}`;
    const { rows } = await pool.query<{ id: number }>(sql, params);
    return { ids: rows.map((r) => r.id), view };
  }
  // Broad lists: one branch per (status, priority), each an ordered range of the
  // (…, status, priority, created_at) indexes, so PostgreSQL reads only the first rows of each
  // instead of sorting every ticket.
  const limit = page * PAGE_SIZE + 1;
  const statuses = query.status ? [query.status] : STATUS_ORDER;
  const priorities = query.priority ? [query.priority] : PRIORITY_ORDER;
  const branches: string[] = [];
  for (const st of statuses) {
    for (const pr of priorities) {
      const conditions = [...where, `t.status = '${st}'`, `t.priority = '${pr}'`];
      branches.push(`(SELECT t.id, t.priority, t.created_at FROM support_tickets t ${joins.join(' ')}
        WHERE ${conditions.join(' AND ')} ORDER BY t.created_at ASC, t.id ASC LIMIT ${limit})`);
    }
  }
  const sql = `SELECT b.id FROM (${branches.join(' UNION ALL ')}) b
    ORDER BY b.priority DESC, b.created_at ASC, b.id ASC ${window}`;
  const { rows } = await pool.query<{ id: number }>(sql, params);
  return { ids: rows.map((r) => r.id), view };
}

/** The list's order: urgent → low, then oldest first. */
export const TICKET_LIST_ORDER = 't.priority DESC, t.created_at ASC, t.id ASC';

/**
 * The list's WHERE clauses over `support_tickets t` (and the joins they need), for the view the
 * actor may see: shared by the page and the CSV export so both show the same tickets.
 */
export function ticketListFilter(actor: Actor, query: ListQuery, now: Date) {
  const view = resolveView(actor, query.view);
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  const joins: string[] = [];
  if (view === 'mine') where.push(`t.assignee_id = ${p(actor.id)}`);
  if (view === 'unassigned') where.push('t.assignee_id IS NULL');
  if (query.status) where.push(`t.status = ${p(query.status)}::"TicketStatus"`);
  if (query.category) where.push(`t.category = ${p(query.category)}::"TicketCategory"`);
  if (query.priority) where.push(`t.priority = ${p(query.priority)}::"TicketPriority"`);
  if (query.assignee === 'none') where.push('t.assignee_id IS NULL');
  else if (typeof query.assignee === 'number') where.push(`t.assignee_id = ${p(query.assignee)}`);
  if (query.customer) {
    if (/^\d{1,9}$/.test(query.customer))
      where.push(`t.customer_id = ${p(Number(query.customer))}`);
    else
      where.push(
        `t.customer_id IN (SELECT id FROM customers WHERE full_name ILIKE ${p(containsPattern(query.customer))})`,
      );
  }
  if (query.from) where.push(`t.created_at >= ${dayStartSql(p, query.from)}`);
  if (query.to) where.push(`t.created_at < ${dayStartSql(p, query.to, 1)}`);
  if (query.q) {
    const q = query.q.trim();
    if (TICKET_NUMBER.test(q.toUpperCase())) {
      where.push(`t.number = ${p(q.toUpperCase())}`);
    } else {
      const pattern = p(containsPattern(q));
      where.push(`t.id IN (
        SELECT id FROM support_tickets WHERE subject ILIKE ${pattern}
        UNION
        SELECT st.id FROM support_tickets st WHERE st.customer_id IN (SELECT id FROM customers WHERE full_name ILIKE ${pattern} OR email ILIKE ${pattern}))`);
    }
  }
  if (query.sla) {
    joins.push(SLA_TARGET_IN_FORCE);
    const nowSql = `(${p(now.toISOString())}::timestamptz AT TIME ZONE 'UTC')`;
    const elapsed = `(EXTRACT(EPOCH FROM (${nowSql} - t.created_at)) - t.paused_seconds - COALESCE(EXTRACT(EPOCH FROM (${nowSql} - t.pending_since)), 0))`;
    const frBreached = `(t.first_response_at IS NULL AND t.created_at + s.first_response_mins * interval '1 minute' < ${nowSql})`;
    const resBreached = `(${elapsed} > s.resolution_mins * 60)`;
    where.push(`t.status NOT IN ('resolved', 'merged')`);
    if (query.sla === 'breached') {
      where.push(`(${frBreached} OR ${resBreached})`);
    } else {
      const frSoon = `(t.first_response_at IS NULL AND t.created_at + s.first_response_mins * interval '1 minute' <= ${nowSql} + interval '${DUE_SOON_SECONDS} seconds')`;
      const resSoon = `(t.pending_since IS NULL AND ${elapsed} >= s.resolution_mins * 60 - ${DUE_SOON_SECONDS})`;
      where.push(`NOT ${frBreached} AND NOT ${resBreached} AND (${frSoon} OR ${resSoon})`);
    }
  }
  return { view, where, joins, params };
}

interface ListRow {
  id: number;
  number: string;
  subject: string;
  category: TicketCategory;
  priority: TicketPriority;
  status: SlaTicket['status'];
  version: number;
  createdAt: Date;
  assigneeId: number | null;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  pendingSince: Date | null;
  pausedSeconds: number;
  customerId: number;
  customerName: string;
  assigneeName: string | null;
  firstResponseMins: number | null;
  resolutionMins: number | null;
}

// The page's rows, their customer and assignee names and SLA targets in one round trip: the list
// is the busiest page of the console.
const LIST_ROWS = `
  SELECT t.id, t.number, t.subject, t.category, t.priority, t.status, t.version, t.created_at AS "createdAt",
         t.assignee_id AS "assigneeId",
         t.first_response_at AS "firstResponseAt", t.resolved_at AS "resolvedAt", t.pending_since AS "pendingSince",
         t.paused_seconds AS "pausedSeconds", c.id AS "customerId", c.full_name AS "customerName", u.name AS "assigneeName",
         s.first_response_mins AS "firstResponseMins", s.resolution_mins AS "resolutionMins"
    FROM support_tickets t
    JOIN customers c ON c.id = t.customer_id
    LEFT JOIN users u ON u.id = t.assignee_id
    ${SLA_TARGET_IN_FORCE}
   WHERE t.id = ANY($1::int[])`;

export async function listTickets(
  pool: pg.Pool,
  actor: Actor,
  query: ListQuery,
  page: number,
  options: ListOptions = {},
) {
  const now = options.now ?? new Date();
  const { ids, view } = await listTicketIds(pool, actor, query, page, now);
  const tickets = await ticketRows(pool, ids.slice(0, PAGE_SIZE), now);
  return { tickets, hasMore: ids.length > PAGE_SIZE, view };
}

/** List rows (with names and SLA clocks) for these ticket ids, in the order given. */
export async function ticketRows(pool: pg.Pool, pageIds: number[], now: Date) {
  const { rows } = pageIds.length
    ? await pool.query<ListRow>(LIST_ROWS, [pageIds])
    : { rows: [] as ListRow[] };
  const byId = new Map(rows.map((r) => [r.id, r]));
  return pageIds.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    const { customerId, customerName, assigneeName, firstResponseMins, resolutionMins, ...ticket } =
      row;
    const target =
      firstResponseMins === null || resolutionMins === null
        ? FALLBACK_TARGET
        : { firstResponseMins, resolutionMins };
    return [
      {
        ...ticket,
        customer: { id: customerId, fullName: customerName },
        assignee:
          ticket.assigneeId === null ? null : { id: ticket.assigneeId, name: assigneeName ?? '' },
        sla: computeSla(ticket, target, now),
      },
    ];
  });
}

export async function staffList(db: Db) {
  return db.user.findMany({
    where: { active: true, role: { in: [...STAFF] } },
    select: { id: true, name: true, role: true },
    orderBy: { name: 'asc' },
  });
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

export async function getTicket(db: Db, id: number, now = new Date()) {
  const ticket = await db.supportTicket.findUnique({
    where: { id },
    select: {
      id: true,
      number: true,
      subject: true,
      description: true,
      category: true,
      priority: true,
      status: true,
      assigneeId: true,
      firstResponseAt: true,
      pendingSince: true,
      pausedSeconds: true,
      resolvedAt: true,
      reopenCount: true,
      createdAt: true,
      updatedAt: true,
      version: true,
      customerId: true,
      mergedAt: true,
      mergedInto: { select: { id: true, number: true } },
      customer: { select: { id: true, fullName: true, email: true, photo: PHOTO_STAMP } },
      interaction: { select: { id: true, channel: true, status: true, subject: true } },
      consultation: { select: { id: true, reference: true, status: true } },
      assignee: { select: { id: true, name: true } },
      createdBy: { select: { id: true, name: true } },
      resolvedBy: { select: { id: true, name: true } },
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
          raisedBy: { select: { name: true } },
        },
        orderBy: { createdAt: 'desc' },
      },
    },
  });
  if (!ticket) throw new NotFoundError('No such ticket.');
  const [changes, target] = await Promise.all([
    db.recordChange.findMany({
      where: { recordType: 'ticket', recordId: id },
      select: {
        id: true,
        field: true,
        fromValue: true,
        toValue: true,
        createdAt: true,
        actor: { select: { name: true } },
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    }),
    db.slaTargetVersion.findFirst({
      where: { priority: ticket.priority, effectiveFrom: { lte: ticket.createdAt } },
      orderBy: { effectiveFrom: 'desc' },
      select: { firstResponseMins: true, resolutionMins: true },
    }),
  ]);
  return { ...ticket, changes, sla: computeSla(ticket, target ?? FALLBACK_TARGET, now) };
}

export async function getEditable(db: Db, id: number) {
  const row = await db.supportTicket.findUnique({ where: { id }, select: EDITABLE });
  if (!row) throw new NotFoundError('No such ticket.');
  return row;
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
