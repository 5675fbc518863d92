import { epochMs, jsonList } from '../../db/json-select.js';
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

export function buildCustomerWhere(
  query: Pick<ListQuery, 'q' | 'activity' | 'sort'>,
  now: Date,
): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const { values: params, bind: p } = sqlParams();
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
  const q = query.q?.trim();
  if (q) {
    if (CNS.test(q))
      clauses.push(
        `cu.id IN (SELECT customer_id FROM consultations WHERE reference = ${p(q.toUpperCase())})`,
      );
    else if (TKT.test(q))
      clauses.push(
        `cu.id IN (SELECT customer_id FROM support_tickets WHERE number = ${p(q.toUpperCase())})`,
      );
    else {
      const ors = [nameOrEmailMatches('cu', p(containsPattern(q)))];
      const digits = q.replace(/\D/g, '');
      if (
        digits.length >= 3 ||
        (digits.length > 0 && digits.length === q.replace(/[\s()+.-]/g, '').length)
      )
        ors.push(`cu.phone_digits LIKE ${p(`%${digits}%`)}`);
      clauses.push(`(${ors.join(' OR ')})`);
    }
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** One page (limit + 1 rows to know whether there is more; nothing is counted). */
export async function listCustomers(
  pool: pg.Pool,
  query: ListQuery,
  limit: number,
  now = new Date(),
): Promise<{ rows: CustomerRow[]; hasMore: boolean }> {
  const { where, params } = buildCustomerWhere(query, now);
  const order =
    query.sort === 'recent'
      ? 'cu.last_activity_at DESC, cu.id DESC'
      : 'cu.created_at DESC, cu.id DESC';
  const count = pageCount((value) => `$${params.push(value)}`, query.page);
  const window = `LIMIT ${count(limit + 1)} OFFSET ${count((query.page - 1) * limit)}`;
  const { rows } = await pool.query(
    prepared(
      `SELECT cu.id, cu.full_name AS "fullName", cu.email, cu.phone, cu.created_at AS "createdAt", cu.last_activity_at AS "lastActivityAt"
         FROM customers cu ${where}
        ORDER BY ${order} ${window}`,
      params,
      { planPerCall: Boolean(query.q?.trim()) || query.page > LITERAL_PAGES },
    ),
  );
  return { rows: rows.slice(0, limit) as CustomerRow[], hasMore: rows.length > limit };
}

// The customer list as CSV: the page's WHERE and order (buildCustomerWhere above).
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
  const { where, params } = buildCustomerWhere(query, now);
  const order =
    query.sort === 'recent'
      ? 'cu.last_activity_at DESC, cu.id DESC'
      : 'cu.created_at DESC, cu.id DESC';
  const sql = `SELECT cu.id, cu.full_name, cu.email, cu.phone, ${isoUtc('cu.created_at')},
                      ${isoUtc('cu.last_activity_at')}
                 FROM customers cu ${where}
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
  const newest = (from: string, at: string, where = `customer_id = ${idSql}`) =>
    `${from} WHERE ${where} ORDER BY ${at} DESC LIMIT ${limitSql}`;
  return jsonList(`
  SELECT json_agg(json_build_array(kind, id, label, status, ${epochMs('at')}, detail, link_id)
                  ORDER BY at DESC, kind, id DESC)
    FROM (SELECT * FROM (
       (SELECT 'consultation' AS kind, id, reference AS label, status::text AS status, created_at AS at,
               mode::text || ' · ' || payment_status::text AS detail, id AS link_id
          ${newest('FROM consultations', 'created_at')})
       UNION ALL
       (SELECT 'interaction', id, channel::text, status::text, started_at, subject, id
          ${newest('FROM interactions', 'started_at')})
       UNION ALL
       (SELECT 'ticket', id, number, status::text, created_at, subject, id
          ${newest('FROM support_tickets', 'created_at')})
       UNION ALL
       (SELECT 'escalation', id, 'to ' || target_type::text, status::text, created_at, NULL, id
          ${newest('FROM escalations', 'created_at')})
       UNION ALL
       (SELECT 'payment', id, reference, status::text, coalesce(paid_at, created_at),
               currency || ' ' || to_char(amount_minor / 100.0, 'FM999999999990.00'), consultation_id
          ${newest('FROM payments', 'created_at')})
       UNION ALL
       (SELECT 'identity check', v.id, v.method::text,
               CASE WHEN v.method = 'override' THEN 'overridden' ELSE v.result::text END, v.at,
               'by ' || u.name, v.interaction_id
          ${newest('FROM caller_verifications v JOIN users u ON u.id = v.actor_id', 'v.at', `v.customer_id = ${idSql}`)})
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
