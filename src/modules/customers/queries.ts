import { dateOrNull, epochMs, jsonList } from '../../db/json-select.js';
import { LITERAL_PAGES, pageCount, prepared } from '../../db/prepared.js';
import type pg from 'pg';
import { isoUtc } from '../../lib/csv.js';
import { containsPattern } from '../../lib/like.js';
import { nameOrEmailMatches } from './picker.js';
import { ACTIVE_DAYS, DAY, NEW_DAYS, activityOf } from './service.js';
import type { ListQuery } from './schema.js';
import { sqlParams } from '../../db/sql-params.js';

// The customer list and search, its CSV export, and the profile's figures and timeline. Contact
// details and activity only: the medical profile is another table, never joined here.

function sqlTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

const CNS = /^CNS-[A-Z0-9]{8}$/i;
const TKT = /^TKT-[A-Z0-9]{8}$/i;

export interface CustomerRow {
  id: number;
  fullName: string;
  email: string;
  phone: string;
  createdAt: Date;
  lastActivityAt: Date | null;
}

// Four digits alone (a phone's last four, say), listed newest first, are looked up in
// search.customer_digits (migration 20261203150000_customer_digit_windows), whose key walks one
// window's customers newest first, so the page is read and nothing past it. The trigram indexes
// return every match unordered, about one customer in a thousand: a read that grows with the
// table.
const FOUR_DIGITS = /^[0-9]{4}$/;

const FROM_DIGITS = 'search.customer_digits w JOIN customers cu ON cu.id = w.customer_id';

/** What a list page and its export read: tables, WHERE and order, from the same filters. */
interface CustomerSelection {
  from: string;
  where: string;
  order: string;
  params: unknown[];
  /** A text pattern is searched: its best plan depends on it (db/prepared.ts). */
  byPattern: boolean;
}

type Bind = (value: unknown) => string;

/** The activity filter and the "recent" order's condition. */
function activityClauses(query: Pick<ListQuery, 'activity' | 'sort'>, now: Date, p: Bind) {
  const clauses: string[] = [];
  const activeSince = () =>
    p(sqlTimestamp(new Date(now.getTime() - ACTIVE_DAYS * DAY))) + '::timestamp';
  const newSince = () => p(sqlTimestamp(new Date(now.getTime() - NEW_DAYS * DAY))) + '::timestamp';
  if (query.activity === 'active') clauses.push(`cu.last_activity_at >= ${activeSince()}`);
  if (query.activity === 'new') clauses.push(`cu.created_at >= ${newSince()}`);
  if (query.activity === 'inactive')
    clauses.push(
      `(cu.last_activity_at IS NULL OR cu.last_activity_at < ${activeSince()}) AND cu.created_at < ${newSince()}`,
    );
  if (query.sort === 'recent') clauses.push('cu.last_activity_at IS NOT NULL');
  return clauses;
}

/** A reference finds its customer; other text, the name, email or any part of the phone. */
function textClause(q: string, p: Bind): string {
  if (CNS.test(q))
    return `cu.id IN (SELECT customer_id FROM consultations WHERE reference = ${p(q.toUpperCase())})`;
  if (TKT.test(q))
    return `cu.id IN (SELECT customer_id FROM support_tickets WHERE number = ${p(q.toUpperCase())})`;
  const ors = [nameOrEmailMatches('cu', p(containsPattern(q)))];
  const digits = q.replace(/\D/g, '');
  if (
    digits.length >= 3 ||
    (digits.length > 0 && digits.length === q.replace(/[\s()+.-]/g, '').length)
  )
    ors.push(`cu.phone_digits LIKE ${p(`%${digits}%`)}`);
  return `(${ors.join(' OR ')})`;
}

function customerSelection(
  query: Pick<ListQuery, 'q' | 'activity' | 'sort'>,
  now: Date,
): CustomerSelection {
  const q = query.q?.trim() ?? '';
  const byDigits = query.sort !== 'recent' && FOUR_DIGITS.test(q);
  const { values: params, bind: p } = sqlParams();
  const clauses = activityClauses(query, now, p);
  if (byDigits) clauses.push(`w.digits = ${p(Number(q))}`);
  else if (q) clauses.push(textClause(q, p));
  const [from, order] = byDigits
    ? [FROM_DIGITS, 'w.created_at DESC, w.customer_id DESC']
    : query.sort === 'recent'
      ? ['customers cu', 'cu.last_activity_at DESC, cu.id DESC']
      : ['customers cu', 'cu.created_at DESC, cu.id DESC'];
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  return { from, where, order, params, byPattern: Boolean(q) && !byDigits };
}

// Times come as epoch milliseconds: the driver's text-timestamp parser cost more than the row.
function customerRowOf(row: {
  id: number;
  full_name: string;
  email: string;
  phone: string;
  created_at: number;
  last_activity_at: number | null;
}): CustomerRow {
  return {
    id: row.id,
    fullName: row.full_name,
    email: row.email,
    phone: row.phone,
    createdAt: new Date(row.created_at),
    lastActivityAt: dateOrNull(row.last_activity_at),
  };
}

/** One page (limit + 1 rows to know whether there is more; nothing is counted). */
export async function listCustomers(
  pool: pg.Pool,
  query: ListQuery,
  limit: number,
  now = new Date(),
): Promise<{ rows: CustomerRow[]; hasMore: boolean }> {
  const { from, where, order, params, byPattern } = customerSelection(query, now);
  const count = pageCount((value) => `$${params.push(value)}`, query.page);
  const window = `LIMIT ${count(limit + 1)} OFFSET ${count((query.page - 1) * limit)}`;
  const { rows } = await pool.query(
    prepared(
      `SELECT cu.id, cu.full_name, cu.email, cu.phone, ${epochMs('cu.created_at')} AS created_at,
              ${epochMs('cu.last_activity_at')} AS last_activity_at
         FROM ${from} ${where}
        ORDER BY ${order} ${window}`,
      params,
      { planPerCall: byPattern || query.page > LITERAL_PAGES },
    ),
  );
  return { rows: rows.slice(0, limit).map(customerRowOf), hasMore: rows.length > limit };
}

// The customer list as CSV: the page's tables, WHERE and order (customerSelection above).
export const CUSTOMER_EXPORT_HEADER = [
  'id',
  'name',
  'email',
  'phone',
  'joined at',
  'last activity at',
  'activity',
] as const;

export interface CustomerExportRow {
  id: number;
  full_name: string;
  email: string;
  phone: string;
  created_at: string;
  last_activity_at: string | null;
}

export function customerExportQuery(query: ListQuery, now: Date) {
  const { from, where, order, params } = customerSelection(query, now);
  const sql = `SELECT cu.id, cu.full_name, cu.email, cu.phone, ${isoUtc('cu.created_at')},
                      ${isoUtc('cu.last_activity_at')}
                 FROM ${from} ${where}
                ORDER BY ${order}`;
  return { sql, params };
}

export function customerExportCells(now: Date) {
  return (r: CustomerExportRow): unknown[] => [
    r.id,
    r.full_name,
    r.email,
    r.phone,
    r.created_at,
    r.last_activity_at,
    activityOf(
      {
        createdAt: new Date(r.created_at),
        lastActivityAt: r.last_activity_at ? new Date(r.last_activity_at) : null,
      },
      now,
    ),
  ];
}

export type TimelineKind =
  'consultation' | 'interaction' | 'ticket' | 'escalation' | 'payment' | 'identity check';

export interface TimelineItem {
  kind: TimelineKind;
  id: number;
  label: string;
  status: string;
  at: Date;
  detail: string | null;
  href: string | null;
}

const METHOD_LABELS: Record<string, string> = {
  dob_phone: 'date of birth and phone',
  email: 'registered email',
  callback: 'known-caller callback',
  override: 'supervisor override',
};

/** One timeline row as customerTimelineJson sends it, in the order of its columns. */
export type TimelineRow = [
  kind: TimelineKind,
  id: number,
  label: string,
  status: string,
  atMs: number,
  detail: string | null,
  linkId: number | null,
];

/**
 * Everything that happened with a customer, newest first, as a JSON list for the profile's one
 * statement: a UNION ALL of each record type's newest `limitSql` rows, cut to `limitSql`.
 * `idSql` is the statement's customer id column.
 */
export function customerTimelineJson(idSql: string, limitSql: string): string {
  // Each record type's newest rows start at a cut-off instant read from its (customer, time) index
  // alone: an index-only scan of `limitSql` entries. Expecting a handful of rows per customer,
  // PostgreSQL otherwise fetched and sorted every one of them: 40 ms for a customer with 17,000
  // interactions. With the cut-off a long history costs what fifty rows do.
  const newest = (table: string, at: string, join = '') => {
    const cutOff = `(SELECT ${at} FROM ${table} WHERE customer_id = ${idSql}
                      ORDER BY ${at} DESC OFFSET ${limitSql} - 1 LIMIT 1)`;
    return `FROM ${table} r ${join}
      WHERE r.customer_id = ${idSql} AND r.${at} >= COALESCE(${cutOff}, '-infinity')
      ORDER BY r.${at} DESC LIMIT ${limitSql}`;
  };
  return jsonList(`
  SELECT json_agg(json_build_array(kind, id, label, status, ${epochMs('at')}, detail, link_id)
                  ORDER BY at DESC, kind, id DESC)
    FROM (SELECT * FROM (
       (SELECT 'consultation' AS kind, r.id, r.reference AS label, r.status::text AS status,
               r.created_at AS at, r.mode::text || ' · ' || r.payment_status::text AS detail,
               r.id AS link_id
          ${newest('consultations', 'created_at')})
       UNION ALL
       (SELECT 'interaction', r.id, r.channel::text, r.status::text, r.started_at, r.subject, r.id
          ${newest('interactions', 'started_at')})
       UNION ALL
       (SELECT 'ticket', r.id, r.number, r.status::text, r.created_at, r.subject, r.id
          ${newest('support_tickets', 'created_at')})
       UNION ALL
       (SELECT 'escalation', r.id, 'to ' || r.target_type::text, r.status::text, r.created_at,
               NULL, r.id
          ${newest('escalations', 'created_at')})
       UNION ALL
       (SELECT 'payment', r.id, r.reference, r.status::text, coalesce(r.paid_at, r.created_at),
               r.currency || ' ' || to_char(r.amount_minor / 100.0, 'FM999999999990.00'),
               r.consultation_id
          ${newest('payments', 'created_at')})
       UNION ALL
       (SELECT 'identity check', r.id, r.method::text,
               CASE WHEN r.method = 'override' THEN 'overridden' ELSE r.result::text END, r.at,
               'by ' || u.name, r.interaction_id
          ${newest('caller_verifications', 'at', 'JOIN users u ON u.id = r.actor_id')})
     ) everything ORDER BY at DESC, kind, id DESC LIMIT ${limitSql}) t`);
}

/** A timeline row as the profile shows it, with the page it links to. */
export function timelineItemOf([
  kind,
  id,
  label,
  status,
  atMs,
  detail,
  linkId,
]: TimelineRow): TimelineItem {
  const href =
    kind === 'identity check'
      ? `/interactions/${linkId}`
      : kind === 'payment'
        ? linkId
          ? `/consultations/${linkId}`
          : null
        : `/${kind === 'ticket' ? 'tickets' : kind + 's'}/${linkId}`;
  return {
    kind,
    id,
    label: kind === 'identity check' ? (METHOD_LABELS[label] ?? label) : label,
    status,
    at: new Date(atMs),
    detail,
    href,
  };
}
