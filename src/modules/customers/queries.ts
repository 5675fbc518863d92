import { isoUtc } from '../../lib/csv.js';
import { activityOf, buildCustomerWhere } from './service.js';
import type { ListQuery } from './schema.js';

// The customer list as CSV: the page's WHERE and order (service.ts buildCustomerWhere), contact
// details and activity only. The medical profile is another table, never joined here.

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
