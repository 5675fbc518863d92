import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { isoUtc } from '../../lib/csv.js';
import {
  defaultScope,
  isStale,
  seesEveryEscalation,
  visibleSql,
  visibleWhere,
  type StaleRule,
} from './policy.js';
import type { ListQuery } from './schema.js';
import { sqlParams } from '../../db/sql-params.js';
import { CHANGE_FIELDS } from '../../db/record-changes.js';

// ---------------------------------------------------------------------------------------------
// The list page and its live rows (Prisma), under the module's visibility rule.

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

function withStale<R extends { status: EscalationRow['status']; createdAt: Date }>(
  row: R,
  rule: StaleRule,
): R & { stale: boolean } {
  return { ...row, stale: isStale(row.status, row.createdAt, rule.staleHours, rule.now) };
}

function listWhere(actor: Actor, query: ListQuery, rule: StaleRule & { scope: 'mine' | 'all' }) {
  const and: Prisma.EscalationWhereInput[] = [visibleWhere(actor)];
  if (rule.scope === 'mine') and.push({ targetUserId: actor.id });
  if (query.status) and.push({ status: query.status });
  if (query.target) and.push({ targetType: query.target });
  if (query.stale) {
    const now = rule.now ?? new Date();
    const before = new Date(now.getTime() - rule.staleHours * 3_600_000);
    and.push({ status: 'pending', createdAt: { lt: before } });
  }
  return { AND: and };
}

/** Newest first, scoped to the actor, one page (PAGE_SIZE + 1 fetched to know if there is more). */
export async function listEscalations(
  db: Db,
  actor: Actor,
  query: ListQuery,
  rule: StaleRule,
): Promise<EscalationList> {
  const now = rule.now ?? new Date();
  const scope = actor.role === 'admin' ? (query.scope ?? defaultScope(actor)) : 'all';
  const rows = await db.escalation.findMany({
    where: listWhere(actor, query, { ...rule, now, scope }),
    select: listSelect,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    skip: (query.page - 1) * PAGE_SIZE,
    take: PAGE_SIZE + 1,
  });
  return {
    rows: rows.slice(0, PAGE_SIZE).map((row) => withStale(row, { ...rule, now })),
    hasMore: rows.length > PAGE_SIZE,
    scope,
  };
}

/** One escalation as its list row shows it, or null when the actor may not see it. */
export async function escalationRow(
  db: Db,
  actor: Actor,
  id: number,
  rule: StaleRule,
): Promise<EscalationRow | null> {
  const row = await db.escalation.findFirst({
    where: { AND: [{ id }, visibleWhere(actor)] },
    select: listSelect,
  });
  return row && withStale(row, rule);
}

/** Which of these escalations the actor may open: one query under the module's visibility rule. */
export async function visibleEscalationIds(
  db: Db,
  actor: Actor,
  ids: number[],
): Promise<Set<number>> {
  if (!ids.length) return new Set();
  if (seesEveryEscalation(actor)) return new Set(ids);
  const rows = await db.escalation.findMany({
    where: { AND: [{ id: { in: ids } }, visibleWhere(actor)] },
    select: { id: true },
  });
  return new Set(rows.map((e) => e.id));
}

// ---------------------------------------------------------------------------------------------
// One escalation's page: the record and its status history.

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

export type EscalationRecord = Prisma.EscalationGetPayload<{ select: typeof detailSelect }>;

export interface TimelineEntry {
  field: string;
  fromValue: string | null;
  toValue: string | null;
  createdAt: Date;
  actorName: string | null;
}

/** The escalation when the actor may see it, else null. */
export function findVisible(db: Db, actor: Actor, id: number): Promise<EscalationRecord | null> {
  return db.escalation.findFirst({
    where: { AND: [{ id }, visibleWhere(actor)] },
    select: detailSelect,
  });
}

/** Its status changes, oldest first. */
export async function timelineOf(db: Db, id: number): Promise<TimelineEntry[]> {
  const changes = await db.recordChange.findMany({
    where: { recordType: 'escalation', recordId: id },
    select: CHANGE_FIELDS,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: 200,
  });
  return changes.map((c) => ({
    field: c.field,
    fromValue: c.fromValue,
    toValue: c.toValue,
    createdAt: c.createdAt,
    actorName: c.actor?.name ?? null,
  }));
}

// ---------------------------------------------------------------------------------------------
// Who an escalation may be addressed to: active admins, available doctors.

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

// ---------------------------------------------------------------------------------------------
// The CSV export.

// The list's filters in SQL for the CSV export (the page reads through Prisma, listEscalations):
// what the actor may see, scope, status, target, stale; newest first. Reasons and outcomes are
// free text written for one recipient and stay out of the file.

export const ESCALATION_EXPORT_HEADER = [
  'id',
  'created at',
  'status',
  'target type',
  'addressed to',
  'raised by',
  'customer id',
  'customer',
  'ticket',
  'consultation',
  'resolved at',
] as const;

export interface EscalationExportRow {
  id: number;
  created_at: string;
  status: string;
  target_type: string;
  target: string;
  raised_by: string;
  customer_id: number;
  customer: string;
  ticket: string | null;
  consultation: string | null;
  resolved_at: string | null;
}

export function escalationExportQuery(
  actor: Actor,
  query: ListQuery,
  rules: { staleHours: number; now: Date },
) {
  const { values: params, bind: p } = sqlParams();
  const where: string[] = [];
  const visible = visibleSql(actor, p);
  if (visible) where.push(visible);
  const scope = actor.role === 'admin' ? (query.scope ?? defaultScope(actor)) : 'all';
  if (scope === 'mine') where.push(`e.target_user_id = ${p(actor.id)}`);
  if (query.status) where.push(`e.status = ${p(query.status)}::"EscalationStatus"`);
  if (query.target) where.push(`e.target_type = ${p(query.target)}::"EscalationTarget"`);
  if (query.stale) {
    const before = new Date(rules.now.getTime() - rules.staleHours * 3_600_000);
    where.push(`e.status = 'pending'`);
    where.push(`e.created_at < (${p(before.toISOString())}::timestamptz AT TIME ZONE 'UTC')`);
  }
  const sql = `SELECT e.id, ${isoUtc('e.created_at')}, e.status, e.target_type,
                      tu.name AS target, rb.name AS raised_by, e.customer_id,
                      c.full_name AS customer, t.number AS ticket, co.reference AS consultation,
                      ${isoUtc('e.resolved_at')}
                 FROM escalations e
                 JOIN customers c ON c.id = e.customer_id
                 JOIN users tu ON tu.id = e.target_user_id
                 JOIN users rb ON rb.id = e.raised_by_id
                 LEFT JOIN support_tickets t ON t.id = e.ticket_id
                 LEFT JOIN consultations co ON co.id = e.consultation_id
                ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
                ORDER BY e.created_at DESC, e.id DESC`;
  return { sql, params };
}

export function escalationExportCells(r: EscalationExportRow): unknown[] {
  return [
    r.id,
    r.created_at,
    r.status,
    r.target_type,
    r.target,
    r.raised_by,
    r.customer_id,
    r.customer,
    r.ticket,
    r.consultation,
    r.resolved_at,
  ];
}
