import { isoUtc } from '../../lib/csv.js';
import { containsPattern } from '../../lib/like.js';
import { dayStartSql } from '../../lib/time.js';
import { defaultScope } from './policy.js';
import type { Actor } from '../../auth/actor.js';
import type { ListQuery } from './schema.js';

// The list's filters in SQL for the CSV export, which streams from a cursor; the page itself reads
// through Prisma (service.ts listInteractions). Both: scope, status, channel, local days, customer;
// newest first.

export const INTERACTION_EXPORT_HEADER = [
  'id',
  'started at',
  'ended at',
  'duration seconds',
  'channel',
  'status',
  'subject',
  'customer id',
  'customer',
  'agent',
] as const;

export interface InteractionExportRow {
  id: number;
  started_at: string;
  ended_at: string | null;
  duration_seconds: number | null;
  channel: string;
  status: string;
  subject: string | null;
  customer_id: number;
  customer: string;
  agent: string;
}

export function interactionExportQuery(actor: Actor, query: ListQuery) {
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if ((query.scope ?? defaultScope(actor)) === 'mine') where.push(`i.agent_id = ${p(actor.id)}`);
  if (query.status) where.push(`i.status = ${p(query.status)}::"InteractionStatus"`);
  if (query.channel) where.push(`i.channel = ${p(query.channel)}::"InteractionChannel"`);
  if (query.from) where.push(`i.started_at >= ${dayStartSql(p, query.from)}`);
  if (query.to) where.push(`i.started_at < ${dayStartSql(p, query.to, 1)}`);
  const customer = query.customer;
  if (customer && /^\d{1,10}$/.test(customer) && Number(customer) <= 2_147_483_647)
    where.push(`i.customer_id = ${p(Number(customer))}`);
  else if (customer) where.push(`c.full_name ILIKE ${p(containsPattern(customer))}`);
  const sql = `SELECT i.id, ${isoUtc('i.started_at')}, ${isoUtc('i.ended_at')},
                      i.duration_seconds, i.channel, i.status, i.subject, i.customer_id,
                      c.full_name AS customer, u.name AS agent
                 FROM interactions i
                 JOIN customers c ON c.id = i.customer_id
                 JOIN users u ON u.id = i.agent_id
                ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
                ORDER BY i.started_at DESC, i.id DESC`;
  return { sql, params };
}

export function interactionExportCells(r: InteractionExportRow): unknown[] {
  return [
    r.id,
    r.started_at,
    r.ended_at,
    r.duration_seconds,
    r.channel,
    r.status,
    r.subject,
    r.customer_id,
    r.customer,
    r.agent,
  ];
}
