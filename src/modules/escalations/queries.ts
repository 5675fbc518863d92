import { isoUtc } from '../../lib/csv.js';
import { defaultScope, visibleSql } from './policy.js';
import type { Actor } from '../../auth/actor.js';
import type { ListQuery } from './schema.js';

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
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
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
