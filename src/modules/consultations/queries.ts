import { prepared, rowCount } from '../../db/prepared.js';
import type pg from 'pg';
import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import type { ConsultationStatus, PaymentStatus } from '../../generated/prisma/enums.js';
import { csvLine } from '../../lib/csv.js';
import { containsPattern } from '../../lib/like.js';
import { dayStartSql } from '../../lib/time.js';
import type { ListQuery } from './schema.js';
import { sqlParams } from '../../db/sql-params.js';
import { CHANGE_FIELDS } from '../../db/record-changes.js';
import { ticketsOfConsultation } from '../tickets/linked.js';
import { nameOrEmailMatches } from '../customers/picker.js';

// The consultation list and search (keyset on created_at, id), its CSV export, and the lists a
// consultation page shows beside the record. Never touches the medical tables.

export interface ListRow {
  id: number;
  reference: string;
  status: ConsultationStatus;
  mode: string;
  paymentModel: string;
  paymentStatus: PaymentStatus;
  amountMinor: number;
  currency: string;
  createdAt: Date;
  scheduledFor: Date | null;
  customerId: number;
  customerName: string;
  doctorId: number | null;
  doctorName: string | null;
  cursor: string;
}

const REFERENCE = /^CNS-[A-Z0-9]{8}$/i;

export function buildListWhere(
  query: ListQuery,
  actor: Actor,
): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const { values: params, bind: p } = sqlParams();
  if (query.status) clauses.push(`c.status = ${p(query.status)}::"ConsultationStatus"`);
  if (query.paymentStatus)
    clauses.push(`c.payment_status = ${p(query.paymentStatus)}::"PaymentStatus"`);
  if (query.paymentModel)
    clauses.push(`c.payment_model = ${p(query.paymentModel)}::"PaymentModel"`);
  if (query.mode) clauses.push(`c.mode = ${p(query.mode)}::"ConsultationMode"`);
  if (mineOnly(query, actor)) clauses.push(`c.doctor_id = ${p(actor.id)}`);
  else if (query.doctorId) clauses.push(`c.doctor_id = ${p(query.doctorId)}`);
  if (query.from) clauses.push(`c.created_at >= ${dayStartSql(p, query.from)}`);
  if (query.to) clauses.push(`c.created_at < ${dayStartSql(p, query.to, 1)}`);
  const q = query.q?.trim();
  if (q) {
    if (REFERENCE.test(q)) {
      clauses.push(`c.reference = ${p(q.toUpperCase())}`);
    } else {
      const ors = [nameOrEmailMatches('cu', p(containsPattern(q)))];
      const digits = q.replace(/\D/g, '');
      if (digits.length >= 3) ors.push(`cu.phone_digits LIKE ${p(`%${digits}%`)}`);
      clauses.push(`c.customer_id IN (SELECT cu.id FROM customers cu WHERE ${ors.join(' OR ')})`);
    }
  }
  if (query.after)
    clauses.push(
      `(c.created_at, c.id) < (${p(toSqlTimestamp(query.after.createdAt))}::timestamp, ${p(query.after.id)})`,
    );
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** Doctors see "assigned to me" unless they untick it. */
export function mineOnly(query: ListQuery, actor: Actor): boolean {
  if (query.mine === '1') return true;
  if (query.mine === '0') return false;
  return actor.role === 'doctor' && query.f === undefined;
}

function toSqlTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

const LIST_FROM = `SELECT c.id, c.reference, c.status, c.mode, c.payment_model AS "paymentModel",
            c.payment_status AS "paymentStatus", c.amount_minor AS "amountMinor", c.currency,
            c.created_at AS "createdAt", c.scheduled_for AS "scheduledFor",
            c.customer_id AS "customerId", cu.full_name AS "customerName",
            c.doctor_id AS "doctorId", u.name AS "doctorName",
            to_char(c.created_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '_' || c.id AS cursor
       FROM consultations c
       JOIN customers cu ON cu.id = c.customer_id
       LEFT JOIN users u ON u.id = c.doctor_id`;

export async function listConsultations(
  pool: pg.Pool,
  actor: Actor,
  query: ListQuery,
  limit: number,
): Promise<{ rows: ListRow[]; nextCursor: string | null }> {
  const { where, params } = buildListWhere(query, actor);
  const { rows } = await pool.query(
    prepared(
      `${LIST_FROM}
         ${where}
        ORDER BY c.created_at DESC, c.id DESC
        LIMIT ${rowCount(limit + 1)}`,
      params,
      { planPerCall: Boolean(query.q?.trim()) },
    ),
  );
  const page = rows.slice(0, limit) as ListRow[];
  return { rows: page, nextCursor: rows.length > limit ? page[page.length - 1].cursor : null };
}

/** One consultation as its list row shows it, or null when there is no such consultation. */
export async function consultationRow(pool: pg.Pool, id: number): Promise<ListRow | null> {
  const { rows } = await pool.query(`${LIST_FROM} WHERE c.id = $1`, [id]);
  return (rows[0] as ListRow | undefined) ?? null;
}

export async function doctorOptions(
  db: Db,
): Promise<{ id: number; name: string; available: boolean }[]> {
  const doctors = await db.user.findMany({
    where: { role: 'doctor', active: true },
    select: { id: true, name: true, doctorProfile: { select: { available: true } } },
    orderBy: { name: 'asc' },
  });
  return doctors.map((d) => ({
    id: d.id,
    name: d.name,
    available: d.doctorProfile?.available ?? false,
  }));
}

// ---------------------------------------------------------------------------------------------
// CSV export: no medical fields exist in the row shape above, and cells are escaped.

export const CSV_HEADER = [
  'reference',
  'created_at',
  'status',
  'mode',
  'payment_model',
  'payment_status',
  'amount',
  'currency',
  'scheduled_for',
  'customer_id',
  'patient',
  'doctor',
];

export function csvRow(r: ListRow): string {
  return csvLine([
    r.reference,
    r.createdAt,
    r.status,
    r.mode,
    r.paymentModel,
    r.paymentStatus,
    (r.amountMinor / 100).toFixed(2),
    r.currency,
    r.scheduledFor,
    r.customerId,
    r.customerName,
    r.doctorName ?? '',
  ]);
}

/** The consultation's history, oldest first. */
function consultationChanges(db: Db, id: number) {
  return db.recordChange.findMany({
    where: { recordType: 'consultation', recordId: id },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: 200,
    select: { id: true, ...CHANGE_FIELDS },
  });
}

function consultationEscalations(db: Db, id: number) {
  return db.escalation.findMany({
    where: { consultationId: id },
    orderBy: { createdAt: 'desc' },
    take: 50,
    select: {
      id: true,
      targetType: true,
      status: true,
      createdAt: true,
      targetUser: { select: { name: true } },
    },
  });
}

function consultationPayments(db: Db, id: number) {
  return db.payment.findMany({
    where: { consultationId: id },
    orderBy: { createdAt: 'desc' },
    take: 20,
    select: {
      id: true,
      reference: true,
      status: true,
      amountMinor: true,
      currency: true,
      method: true,
      paidAt: true,
      createdAt: true,
    },
  });
}

/** What the consultation page lists beside the record, read in one round of queries. */
export async function consultationRelated(db: Db, id: number) {
  const [changes, tickets, escalations, payments] = await Promise.all([
    consultationChanges(db, id),
    ticketsOfConsultation(db, id),
    consultationEscalations(db, id),
    consultationPayments(db, id),
  ]);
  return { changes, tickets, escalations, payments };
}

/**
 * A consultation as an escalation names the record it is raised from: reference, mode, status and
 * the customer's name. Never a medical field. Null when there is no such consultation.
 */
export function consultationAsEscalationSource(db: Db, id: number) {
  return db.consultation.findUnique({
    where: { id },
    select: {
      id: true,
      reference: true,
      mode: true,
      status: true,
      customerId: true,
      customer: { select: { fullName: true } },
    },
  });
}
