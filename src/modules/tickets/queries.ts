import { LITERAL_PAGES, pageCount, prepared } from '../../db/prepared.js';
import type pg from 'pg';
import type { Actor } from '../../auth/actor.js';
import { ForbiddenError } from '../../errors.js';
import type { TicketCategory, TicketPriority } from '../../generated/prisma/enums.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { containsPattern } from '../../lib/like.js';
import { dayStartSql } from '../../lib/time.js';
import { nameOrEmailMatches } from '../customers/picker.js';
import { canViewAll, defaultView } from './policy.js';
import type { ListQuery } from './schema.js';
import { computeSla, DUE_SOON_SECONDS, FALLBACK_TARGET, type SlaTicket } from './sla.js';

const TICKET_NUMBER = /^TKT-[A-Z0-9]{8}$/;
// Only these literal values are ever interpolated into the list SQL.
const STATUS_ORDER = ['open', 'pending', 'escalated', 'resolved', 'merged'] as const;
const PRIORITY_ORDER = ['urgent', 'high', 'medium', 'low'] as const;
import { isoUtc } from '../../lib/csv.js';
import { sqlParams } from '../../db/sql-params.js';
/**
 * Joins `s` (first_response_mins, resolution_mins): the SLA targets in force when ticket `t` was
 * created, for its priority. Later changes to the targets do not move an open ticket's deadlines.
 */
export const SLA_TARGET_IN_FORCE = `LEFT JOIN LATERAL (
    SELECT v.first_response_mins, v.resolution_mins FROM sla_target_versions v
     WHERE v.priority = t.priority AND v.effective_from <= t.created_at
     ORDER BY v.effective_from DESC LIMIT 1) s ON true`;

/** The CSV export's columns: what the list shows, no description or thread text. */
export const TICKET_EXPORT_HEADER = [
  'number',
  'subject',
  'category',
  'priority',
  'status',
  'customer id',
  'customer',
  'assignee',
  'created at',
  'first response at',
  'resolved at',
] as const;

export interface TicketExportRow {
  number: string;
  subject: string;
  category: string;
  priority: string;
  status: string;
  customer_id: number;
  customer: string;
  assignee: string | null;
  created_at: string;
  first_response_at: string | null;
  resolved_at: string | null;
}

export function ticketExportSql(filter: {
  where: string[];
  joins: string[];
  order: string;
}): string {
  return `SELECT t.number, t.subject, t.category, t.priority, t.status, t.customer_id,
                 c.full_name AS customer, u.name AS assignee, ${isoUtc('t.created_at')},
                 ${isoUtc('t.first_response_at')}, ${isoUtc('t.resolved_at')}
            FROM support_tickets t
            JOIN customers c ON c.id = t.customer_id
            LEFT JOIN users u ON u.id = t.assignee_id
            ${filter.joins.join(' ')}
           ${filter.where.length ? 'WHERE ' + filter.where.join(' AND ') : ''}
           ORDER BY ${filter.order}`;
}

export function ticketExportCells(r: TicketExportRow): unknown[] {
  return [
    r.number,
    r.subject,
    r.category,
    r.priority,
    r.status,
    r.customer_id,
    r.customer,
    r.assignee,
    r.created_at,
    r.first_response_at,
    r.resolved_at,
  ];
}

// ---------------------------------------------------------------- the ticket list

export interface ListOptions {
  /** 1-based. */
  page: number;
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

type ListFilter = ReturnType<typeof ticketListFilter>;

/** Filters that match few tickets, which PostgreSQL finds best through their own index. */
function isSelective(query: ListQuery, view: ListFilter['view']): boolean {
  return Boolean(
    query.q ||
    query.customer ||
    query.sla ||
    query.from ||
    query.to ||
    view === 'unassigned' ||
    query.assignee === 'none',
  );
}

const pageWindow = (p: Bind, page: number) =>
  `LIMIT ${pageCount(p, page)(PAGE_SIZE + 1)} OFFSET ${pageCount(p, page)((page - 1) * PAGE_SIZE)}`;

/** Selective filters: let PostgreSQL pick its index (trigram, customer, …) and sort the matches. */
function selectiveIdsSql({ where, joins }: ListFilter, p: Bind, page: number): string {
  return `SELECT t.id FROM support_tickets t ${joins.join(' ')}
      ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY ${TICKET_LIST_ORDER} ${pageWindow(p, page)}`;
}

/**
 * Broad lists: one branch per (status, priority), each an ordered range of the
 * (…, status, priority, created_at) indexes, so PostgreSQL reads only the first rows of each
 * instead of sorting every ticket.
 */
function broadIdsSql(
  { where, joins }: ListFilter,
  { query, p, page }: { query: ListQuery; p: Bind; page: number },
): string {
  const limit = pageCount(p, page)(page * PAGE_SIZE + 1);
  const statuses = query.status ? [query.status] : STATUS_ORDER;
  const priorities = query.priority ? [query.priority] : PRIORITY_ORDER;
  const branches = statuses.flatMap((st) =>
    priorities.map((pr) => {
      const conditions = [...where, `t.status = '${st}'`, `t.priority = '${pr}'`];
      return `(SELECT t.id, t.priority, t.created_at FROM support_tickets t ${joins.join(' ')}
        WHERE ${conditions.join(' AND ')} ORDER BY t.created_at ASC, t.id ASC LIMIT ${limit})`;
    }),
  );
  return `SELECT b.id FROM (${branches.join(' UNION ALL ')}) b
    ORDER BY b.priority DESC, b.created_at ASC, b.id ASC ${pageWindow(p, page)}`;
}

/**
 * Ticket ids for one page, in SQL: urgent → low, then oldest first, across the whole result.
 * SLA filters compute the deadlines in SQL from the targets in force, so they work on any number of rows.
 */
export async function listTicketIds(
  pool: pg.Pool,
  actor: Actor,
  query: ListQuery,
  { page, now }: { page: number; now: Date },
) {
  const filter = ticketListFilter(actor, query, now);
  const { sql, params } = ticketIdsSql({ filter, query, page });
  const { rows } = await pool.query<{ id: number }>(sql, params);
  return { ids: rows.map((r) => r.id), view: filter.view };
}

/** The ids of one page of the list, one more than the page shows, and the values to bind. */
function ticketIdsSql({
  filter,
  query,
  page,
}: {
  filter: ListFilter;
  query: ListQuery;
  page: number;
}): { sql: string; params: unknown[]; selective: boolean } {
  const params = [...filter.params];
  const p: Bind = (value) => `$${params.push(value)}`;
  const selective = isSelective(query, filter.view);
  const sql = selective
    ? selectiveIdsSql(filter, p, page)
    : broadIdsSql(filter, { query, p, page });
  return { sql, params, selective };
}

/** The list's order: urgent → low, then oldest first. */
export const TICKET_LIST_ORDER = 't.priority DESC, t.created_at ASC, t.id ASC';

type Bind = (value: unknown) => string;

/** A customer id, or part of the customer's name. */
function customerClause(p: Bind, customer: string): string {
  if (/^\d{1,9}$/.test(customer)) return `t.customer_id = ${p(Number(customer))}`;
  return `t.customer_id IN (SELECT id FROM customers WHERE full_name ILIKE ${p(containsPattern(customer))})`;
}

/** A ticket number finds that ticket; other text searches subjects and customer names and emails. */
function searchClause(p: Bind, text: string): string {
  const q = text.trim();
  if (TICKET_NUMBER.test(q.toUpperCase())) return `t.number = ${p(q.toUpperCase())}`;
  const pattern = p(containsPattern(q));
  return `t.id IN (
        SELECT id FROM support_tickets WHERE subject ILIKE ${pattern}
        UNION
        SELECT st.id FROM support_tickets st WHERE st.customer_id IN (SELECT id FROM customers WHERE ${nameOrEmailMatches('customers', pattern)}))`;
}

/**
 * Whether a ticket is still open, has breached a target, or will within DUE_SOON_SECONDS: SQL over
 * `t` and the SLA_TARGET_IN_FORCE join `s`. Deadlines are compared as instants, with no seconds
 * counted per row (the SLA watch reads every open ticket with these): the resolution clock runs
 * out at creation + closed pauses + target, and a current pause stops it where the pause began.
 */
export function slaStates(p: Bind, now: Date): { open: string; breached: string; dueSoon: string } {
  const nowSql = `(${p(now.toISOString())}::timestamptz AT TIME ZONE 'UTC')`;
  const soonSql = `${nowSql} + interval '${DUE_SOON_SECONDS} seconds'`;
  const firstResponseDue = `t.created_at + s.first_response_mins * interval '1 minute'`;
  const resolutionDue = `t.created_at + t.paused_seconds * interval '1 second' + s.resolution_mins * interval '1 minute'`;
  const awaitingResponse = 't.first_response_at IS NULL';
  const breached = `((${awaitingResponse} AND ${firstResponseDue} < ${nowSql})
      OR ${resolutionDue} < COALESCE(t.pending_since, ${nowSql}))`;
  const soon = `((${awaitingResponse} AND ${firstResponseDue} <= ${soonSql})
      OR (t.pending_since IS NULL AND ${resolutionDue} <= ${soonSql}))`;
  return {
    open: `t.status NOT IN ('resolved', 'merged')`,
    breached,
    dueSoon: `NOT ${breached} AND ${soon}`,
  };
}

function slaClauses(p: Bind, sla: NonNullable<ListQuery['sla']>, now: Date): string[] {
  const states = slaStates(p, now);
  return [states.open, sla === 'breached' ? states.breached : states.dueSoon];
}

/**
 * The list's WHERE clauses over `support_tickets t` (and the joins they need), for the view the
 * actor may see: shared by the page and the CSV export so both show the same tickets.
 */
export function ticketListFilter(actor: Actor, query: ListQuery, now: Date) {
  const view = resolveView(actor, query.view);
  const { values: params, bind: p } = sqlParams();
  const where: string[] = [];
  const joins: string[] = [];
  if (view === 'mine') where.push(`t.assignee_id = ${p(actor.id)}`);
  if (view === 'unassigned') where.push('t.assignee_id IS NULL');
  if (query.status) where.push(`t.status = ${p(query.status)}::"TicketStatus"`);
  if (query.category) where.push(`t.category = ${p(query.category)}::"TicketCategory"`);
  if (query.priority) where.push(`t.priority = ${p(query.priority)}::"TicketPriority"`);
  if (query.assignee === 'none') where.push('t.assignee_id IS NULL');
  else if (typeof query.assignee === 'number') where.push(`t.assignee_id = ${p(query.assignee)}`);
  if (query.customer) where.push(customerClause(p, query.customer));
  if (query.from) where.push(`t.created_at >= ${dayStartSql(p, query.from)}`);
  if (query.to) where.push(`t.created_at < ${dayStartSql(p, query.to, 1)}`);
  if (query.q) where.push(searchClause(p, query.q));
  if (query.sla) {
    joins.push(SLA_TARGET_IN_FORCE);
    where.push(...slaClauses(p, query.sla, now));
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

const LIST_COLUMNS = `t.id, t.number, t.subject, t.category, t.priority, t.status, t.version,
         t.created_at AS "createdAt", t.assignee_id AS "assigneeId",
         t.first_response_at AS "firstResponseAt", t.resolved_at AS "resolvedAt",
         t.pending_since AS "pendingSince", t.paused_seconds AS "pausedSeconds",
         c.id AS "customerId", c.full_name AS "customerName", u.name AS "assigneeName",
         s.first_response_mins AS "firstResponseMins", s.resolution_mins AS "resolutionMins"`;

const LIST_JOINS = `JOIN customers c ON c.id = t.customer_id
    LEFT JOIN users u ON u.id = t.assignee_id
    ${SLA_TARGET_IN_FORCE}`;

// The list is the busiest page of the console, so a page of it is one round trip: the ids
// statement picks the page (one more row than shown, to know whether there is a next page), and
// its rows come back in that order with their customer and assignee names and SLA targets.
const pageRowsSql = (idsSql: string) => `
  SELECT ${LIST_COLUMNS}
    FROM unnest(ARRAY(${idsSql})) WITH ORDINALITY picked(id, position)
    JOIN support_tickets t ON t.id = picked.id
    ${LIST_JOINS}
   ORDER BY picked.position`;

const ROWS_BY_ID = `SELECT ${LIST_COLUMNS} FROM support_tickets t ${LIST_JOINS} WHERE t.id = $1`;

export async function listTickets(
  pool: pg.Pool,
  actor: Actor,
  query: ListQuery,
  { page, now = new Date() }: ListOptions,
) {
  const filter = ticketListFilter(actor, query, now);
  const { sql, params, selective } = ticketIdsSql({ filter, query, page });
  // A search, a customer, a date range or an SLA filter: the best plan depends on the values.
  const planPerCall = selective || page > LITERAL_PAGES;
  const statement = prepared(pageRowsSql(sql), params, { planPerCall });
  const { rows } = await pool.query<ListRow>(statement);
  const tickets = rows.slice(0, PAGE_SIZE).map((row) => listRowOf(row, now));
  return { tickets, hasMore: rows.length > PAGE_SIZE, view: filter.view };
}

/** One list row (with names and SLA clocks), for live pages to swap in; null if there is none. */
export async function ticketRow(pool: pg.Pool, id: number, now: Date) {
  const { rows } = await pool.query<ListRow>(ROWS_BY_ID, [id]);
  return rows[0] ? listRowOf(rows[0], now) : null;
}

// Written out field by field: spreading the driver's row objects was most of this function's cost,
// and it runs for every row of the busiest page.
function listRowOf(row: ListRow, now: Date) {
  const { firstResponseMins, resolutionMins } = row;
  const target =
    firstResponseMins === null || resolutionMins === null
      ? FALLBACK_TARGET
      : { firstResponseMins, resolutionMins };
  return {
    id: row.id,
    number: row.number,
    subject: row.subject,
    category: row.category,
    priority: row.priority,
    status: row.status,
    version: row.version,
    createdAt: row.createdAt,
    assigneeId: row.assigneeId,
    firstResponseAt: row.firstResponseAt,
    resolvedAt: row.resolvedAt,
    pendingSince: row.pendingSince,
    pausedSeconds: row.pausedSeconds,
    customer: { id: row.customerId, fullName: row.customerName },
    assignee: row.assigneeId === null ? null : { id: row.assigneeId, name: row.assigneeName ?? '' },
    sla: computeSla(row, target, now),
  };
}
