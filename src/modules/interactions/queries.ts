import { isoUtc } from '../../lib/csv.js';
import { containsPattern, escapeLike } from '../../lib/like.js';
import { currentTimeZone, dayStartSql } from '../../lib/time.js';
import type { Db } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { defaultScope } from './policy.js';
import type { Actor } from '../../auth/actor.js';
import type { ListQuery } from './schema.js';
import { sqlParams } from '../../db/sql-params.js';

// The list's filters twice: through Prisma for the page (listInteractions) and in SQL for the CSV
// export, which streams from a cursor (interactionExportQuery). Both: scope, status, channel,
// local days, customer; newest first.

function customerWhere(text: string | undefined): Prisma.InteractionWhereInput | undefined {
  if (!text) return undefined;
  if (/^\d{1,10}$/.test(text) && Number(text) <= 2_147_483_647) return { customerId: Number(text) };
  return { customer: { fullName: { contains: escapeLike(text), mode: 'insensitive' } } };
}

/** [start of `from`, start of the day after `to`) in the viewer's zone, converted by PostgreSQL. */
async function localDayBounds(
  db: Db,
  from: string | undefined,
  to: string | undefined,
  zone = currentTimeZone(),
) {
  const [row] = await db.$queryRaw<{ gte: Date | null; lt: Date | null }[]>`
    SELECT (${from ?? null}::date::timestamp AT TIME ZONE ${zone}::text) AS gte,
           ((${to ?? null}::date + 1)::timestamp AT TIME ZONE ${zone}::text) AS lt`;
  return { ...(row.gte ? { gte: row.gte } : {}), ...(row.lt ? { lt: row.lt } : {}) };
}

const LIST_SELECT = {
  id: true,
  channel: true,
  status: true,
  subject: true,
  startedAt: true,
  endedAt: true,
  durationSeconds: true,
  agentId: true,
  customer: { select: { id: true, fullName: true } },
  agent: { select: { name: true } },
} satisfies Prisma.InteractionSelect;

export async function listInteractions(db: Db, actor: Actor, query: ListQuery, page: number) {
  const scope = query.scope ?? defaultScope(actor);
  const startedAt: Prisma.DateTimeFilter = {};
  if (query.from || query.to)
    Object.assign(startedAt, await localDayBounds(db, query.from, query.to));
  const where: Prisma.InteractionWhereInput = {
    ...(scope === 'mine' ? { agentId: actor.id } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.channel ? { channel: query.channel } : {}),
    ...(query.from || query.to ? { startedAt } : {}),
    ...customerWhere(query.customer),
  };
  const rows = await db.interaction.findMany({
    where,
    select: LIST_SELECT,
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    skip: (page - 1) * PAGE_SIZE,
    take: PAGE_SIZE + 1,
  });
  return { rows: rows.slice(0, PAGE_SIZE), hasMore: rows.length > PAGE_SIZE, scope };
}

/** One interaction as its list row shows it, or null when there is no such interaction. */
export async function interactionRow(db: Db, id: number) {
  return db.interaction.findUnique({ where: { id }, select: LIST_SELECT });
}

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
  const { values: params, bind: p } = sqlParams();
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

/**
 * An interaction as an escalation names the record it is raised from: channel, subject, status
 * and the customer's name, nothing else. Null when there is no such interaction.
 */
export function interactionAsEscalationSource(db: Db, id: number) {
  return db.interaction.findUnique({
    where: { id },
    select: {
      id: true,
      channel: true,
      subject: true,
      status: true,
      customerId: true,
      customer: { select: { fullName: true } },
    },
  });
}
