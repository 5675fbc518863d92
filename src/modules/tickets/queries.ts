import type pg from 'pg';
import { STAFF, type Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { ForbiddenError } from '../../errors.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { containsPattern } from '../../lib/like.js';
import { dayStartSql } from '../../lib/time.js';
import { canViewAll, defaultView } from './policy.js';
import type { ListQuery } from './schema.js';
import type { TicketCategory, TicketPriority } from '../../generated/prisma/enums.js';
import { computeSla, DUE_SOON_SECONDS, FALLBACK_TARGET, type SlaTicket } from './sla.js';

const TICKET_NUMBER = /^TKT-[A-Z0-9]{8}$/;

/**
 * Joins `s` (first_response_mins, resolution_mins): the SLA targets in force when ticket `t` was
 * created, for its priority. Later changes to the targets do not move an open ticket's deadlines.
 */
export const SLA_TARGET_IN_FORCE = `LEFT JOIN LATERAL (
    SELECT v.first_response_mins, v.resolution_mins FROM sla_target_versions v
     WHERE v.priority = t.priority AND v.effective_from <= t.created_at
     ORDER BY v.effective_from DESC LIMIT 1) s ON true`;

const PRIORITY_ORDER = ['urgent', 'high', 'medium', 'low'] as const;
const STATUS_ORDER = ['open', 'pending', 'escalated', 'resolved', 'merged'] as const;
// The ticket list: ids for a page in SQL, then its rows with SLA clocks.
// Only these literal values are ever interpolated into the list SQL.

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
      ORDER BY t.priority DESC, t.created_at ASC, t.id ASC ${window}`;
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
