import { isoUtc } from '../../lib/csv.js';
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
