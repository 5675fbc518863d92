import type { Actor } from '../../auth/actor.js';
import { dayStartSql } from '../../lib/time.js';
import type pg from 'pg';
import { Prisma } from '../../generated/prisma/client.js';
import type { ConsultationStatus, PaymentStatus } from '../../generated/prisma/enums.js';
import type { Db } from '../../db/client.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TransitionError,
  ValidationError,
} from '../../errors.js';
import { csvLine } from '../../lib/csv.js';
import { makeReference } from '../../lib/references.js';
import { assertCallerCleared } from '../interactions/verification.js';
import type { CreateInput, ListQuery } from './schema.js';
import { containsPattern } from '../../lib/like.js';

// ---------------------------------------------------------------------------------------------
// Lifecycle: a pure transition table.

export const TRANSITIONS: Record<ConsultationStatus, readonly ConsultationStatus[]> = {
  pending: ['scheduled', 'cancelled'],
  scheduled: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

export function canTransition(from: ConsultationStatus, to: ConsultationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: ConsultationStatus, to: ConsultationStatus): void {
  if (!canTransition(from, to))
    throw new TransitionError(`A ${from} consultation cannot be moved to ${to}.`);
}

/** The timestamp columns stamped by a move into each status. */
export function stampsFor(
  to: ConsultationStatus,
  current: { startedAt: Date | null },
  now: Date,
): Record<string, Date> {
  switch (to) {
    case 'scheduled':
      return { scheduledAt: now };
    case 'completed':
      return { endedAt: now, ...(current.startedAt ? {} : { startedAt: now }) };
    case 'cancelled':
      return { cancelledAt: now };
    default:
      return {};
  }
}

// ---------------------------------------------------------------------------------------------
// Badges.

const HOUR = 3_600_000;

export interface BadgeInput {
  status: ConsultationStatus;
  paymentModel: string;
  paymentStatus: PaymentStatus;
  createdAt: Date;
}

export function badgesFor(c: BadgeInput, now = new Date()): { key: string; label: string }[] {
  const out: { key: string; label: string }[] = [];
  if (c.status === 'pending' && now.getTime() - c.createdAt.getTime() > HOUR)
    out.push({ key: 'overdue', label: 'needs a doctor' });
  if (c.paymentModel === 'pay_later' && c.status === 'completed' && c.paymentStatus === 'unpaid')
    out.push({ key: 'due-soon', label: 'request payment' });
  return out;
}

// ---------------------------------------------------------------------------------------------
// List (keyset on created_at, id) and CSV export. Never touches the medical tables.

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
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
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
      const like = p(containsPattern(q));
      const ors = [`cu.full_name ILIKE ${like}`, `cu.email ILIKE ${like}`];
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
  params.push(limit + 1);
  const { rows } = await pool.query(
    `${LIST_FROM}
       ${where}
      ORDER BY c.created_at DESC, c.id DESC
      LIMIT $${params.length}`,
    params,
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

// ---------------------------------------------------------------------------------------------
// One consultation.

export const CONSULTATION_SELECT = {
  id: true,
  reference: true,
  customerId: true,
  doctorId: true,
  mode: true,
  paymentModel: true,
  paymentStatus: true,
  amountMinor: true,
  currency: true,
  status: true,
  scheduledFor: true,
  scheduledAt: true,
  startedAt: true,
  endedAt: true,
  cancelledAt: true,
  cancelReason: true,
  createdAt: true,
  updatedAt: true,
  version: true,
  customer: { select: { id: true, fullName: true, email: true, phone: true } },
  doctor: { select: { id: true, name: true } },
} as const;

export async function getConsultation(db: Db, id: number) {
  const c = await db.consultation.findUnique({ where: { id }, select: CONSULTATION_SELECT });
  if (!c) throw new NotFoundError();
  return c;
}
export type ConsultationDetail = Awaited<ReturnType<typeof getConsultation>>;

export async function consultationRelated(db: Db, id: number) {
  const [changes, tickets, escalations, payments] = await Promise.all([
    db.recordChange.findMany({
      where: { recordType: 'consultation', recordId: id },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: 200,
      select: {
        id: true,
        field: true,
        fromValue: true,
        toValue: true,
        createdAt: true,
        actor: { select: { name: true } },
      },
    }),
    db.supportTicket.findMany({
      where: { consultationId: id },
      orderBy: { createdAt: 'desc' },
      take: 50,
      select: {
        id: true,
        number: true,
        subject: true,
        status: true,
        priority: true,
        createdAt: true,
      },
    }),
    db.escalation.findMany({
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
    }),
    db.payment.findMany({
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
    }),
  ]);
  return { changes, tickets, escalations, payments };
}

// ---------------------------------------------------------------------------------------------
// Create.

type Tx = Prisma.TransactionClient;

async function change(
  tx: Tx,
  actor: Actor,
  recordId: number,
  field: string,
  fromValue: unknown,
  toValue: unknown,
) {
  await tx.recordChange.create({
    data: {
      recordType: 'consultation',
      recordId,
      actorId: actor.id,
      field,
      fromValue: fromValue == null ? null : String(fromValue),
      toValue: toValue == null ? null : String(toValue),
    },
  });
}

/**
 * Books a consultation. Pay-first needs the payment confirmation: the paid Payment and the
 * consultation are written in one transaction, so no pay-first consultation exists unpaid.
 */
export async function createConsultation(
  db: Db,
  actor: Actor,
  input: CreateInput,
): Promise<{ id: number; existing: boolean }> {
  if (actor.role === 'doctor')
    throw new ForbiddenError('Consultations are booked by customer care.');
  if (input.paymentModel === 'pay_first' && !input.paymentConfirmation) {
    throw new ValidationError('Pay-first consultations need the payment recorded first.', {
      paymentConfirmation: 'Enter the payment confirmation',
    });
  }
  if (input.idempotencyKey) {
    const existing = await db.consultation.findUnique({
      where: { idempotencyKey: input.idempotencyKey },
      select: { id: true },
    });
    if (existing) return { id: existing.id, existing: true };
  }
  const customer = await db.customer.findUnique({
    where: { id: input.customerId },
    select: { id: true },
  });
  if (!customer)
    throw new ValidationError('Check the customer.', {
      customerId: 'No customer with that number',
    });
  await assertCallerCleared(db, input.interactionId, customer.id);
  if (typeof input.doctor === 'number') await assertAssignableDoctor(db, input.doctor);
  try {
    return await db.$transaction(async (tx) => {
      const now = new Date();
      const paid = input.paymentModel === 'pay_first';
      const created = await tx.consultation.create({
        data: {
          reference: makeReference('CNS'),
          customerId: input.customerId,
          mode: input.mode,
          paymentModel: input.paymentModel,
          paymentStatus: paid ? 'paid' : 'unpaid',
          amountMinor: input.amount,
          scheduledFor: input.scheduledFor ?? null,
          idempotencyKey: input.idempotencyKey ?? null,
        },
        select: { id: true },
      });
      await change(tx, actor, created.id, 'status', null, 'pending');
      if (paid) {
        await tx.payment.create({
          data: {
            reference: makeReference('PAY'),
            customerId: input.customerId,
            consultationId: created.id,
            amountMinor: input.amount,
            status: 'paid',
            method: input.paymentConfirmation!.slice(0, 100),
            paidAt: now,
          },
        });
        await change(tx, actor, created.id, 'payment_status', null, 'paid');
      }
      if (input.doctor !== undefined) {
        const doctorId = input.doctor === 'auto' ? await pickDoctor(tx) : input.doctor;
        if (doctorId) {
          await tx.consultation.update({ where: { id: created.id }, data: { doctorId } });
          await change(tx, actor, created.id, 'doctor_id', null, doctorId);
        }
      }
      await tx.customer.update({ where: { id: input.customerId }, data: { lastActivityAt: now } });
      return { id: created.id, existing: false };
    });
  } catch (error) {
    if (
      error instanceof Prisma.PrismaClientKnownRequestError &&
      error.code === 'P2002' &&
      input.idempotencyKey
    ) {
      const existing = await db.consultation.findUnique({
        where: { idempotencyKey: input.idempotencyKey },
        select: { id: true },
      });
      if (existing) return { id: existing.id, existing: true };
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Doctor assignment.

async function assertAssignableDoctor(db: Db | Tx, doctorId: number) {
  const doctor = await db.user.findFirst({
    where: {
      id: doctorId,
      role: 'doctor',
      active: true,
      doctorProfile: { is: { available: true } },
    },
    select: { id: true },
  });
  if (!doctor)
    throw new ValidationError('Choose an available doctor.', {
      doctor: 'That doctor is not available',
    });
}

/**
 * The available doctor with the fewest open (pending/scheduled) consultations; ties go to the
 * doctor least recently given a consultation (never assigned first), then the lowest id.
 * One query; serialised by an advisory lock so concurrent bookings do not all pick the same one.
 */
export async function pickDoctor(tx: Tx): Promise<number | null> {
  await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(727001)');
  const rows = await tx.$queryRawUnsafe<{ id: number }[]>(
    `SELECT u.id
       FROM users u
       JOIN doctor_profiles dp ON dp.user_id = u.id AND dp.available
       LEFT JOIN LATERAL (
         SELECT count(*) AS open FROM consultations c WHERE c.doctor_id = u.id AND c.status IN ('pending', 'scheduled')
       ) o ON true
       LEFT JOIN (
         SELECT rc.to_value, max(rc.created_at) AS last_at FROM record_changes rc
          WHERE rc.record_type = 'consultation' AND rc.field = 'doctor_id' AND rc.to_value IS NOT NULL
          GROUP BY rc.to_value
       ) la ON la.to_value = u.id::text
      WHERE u.role = 'doctor' AND u.active
      ORDER BY o.open ASC, la.last_at ASC NULLS FIRST, u.id ASC
      LIMIT 1`,
  );
  return rows[0]?.id ?? null;
}

async function conflictFor(db: Db | Tx, id: number): Promise<ConflictError> {
  const current = await db.consultation.findUnique({
    where: { id },
    select: { version: true, status: true },
  });
  if (!current) return new ConflictError('This consultation no longer exists.', null);
  return new ConflictError(
    'This consultation changed after you opened it. Reload and try again.',
    current,
  );
}

export async function assignDoctor(
  db: Db,
  actor: Actor,
  id: number,
  doctor: number | 'auto',
  version: number,
): Promise<number> {
  if (actor.role === 'doctor') throw new ForbiddenError('Doctors are assigned by customer care.');
  const c = await db.consultation.findUnique({
    where: { id },
    select: { id: true, status: true, doctorId: true, version: true },
  });
  if (!c) throw new NotFoundError();
  if (c.status === 'completed' || c.status === 'cancelled')
    throw new TransitionError(`A ${c.status} consultation cannot be reassigned.`);
  if (typeof doctor === 'number') await assertAssignableDoctor(db, doctor);
  return db.$transaction(async (tx) => {
    const doctorId = doctor === 'auto' ? await pickDoctor(tx) : doctor;
    if (!doctorId) throw new TransitionError('No doctor is available right now.');
    const { count } = await tx.consultation.updateMany({
      where: { id, version },
      data: { doctorId, version: { increment: 1 } },
    });
    if (count === 0) throw await conflictFor(tx, id);
    await change(tx, actor, id, 'doctor_id', c.doctorId, doctorId);
    return doctorId;
  });
}

// ---------------------------------------------------------------------------------------------
// Status moves.

export function mayChangeStatus(actor: Actor, c: { doctorId: number | null }): boolean {
  return actor.role !== 'doctor' || c.doctorId === actor.id;
}

export async function transitionConsultation(
  db: Db,
  actor: Actor,
  id: number,
  to: ConsultationStatus,
  version: number,
  extra: { cancelReason?: string; scheduledFor?: Date; interactionId?: number } = {},
): Promise<void> {
  const c = await db.consultation.findUnique({
    where: { id },
    select: {
      id: true,
      customerId: true,
      status: true,
      doctorId: true,
      startedAt: true,
      scheduledFor: true,
    },
  });
  if (!c) throw new NotFoundError();
  if (!mayChangeStatus(actor, c))
    throw new ForbiddenError(
      'Only the assigned doctor or customer care may change this consultation.',
    );
  await assertCallerCleared(db, extra.interactionId, c.customerId);
  assertTransition(c.status, to);
  if (to === 'scheduled' && !c.doctorId)
    throw new TransitionError('Assign a doctor before scheduling.');
  if (to === 'cancelled' && !extra.cancelReason)
    throw new TransitionError('Give a reason for cancelling.');
  const now = new Date();
  const data: Prisma.ConsultationUpdateManyMutationInput = {
    status: to,
    ...stampsFor(to, c, now),
    version: { increment: 1 },
  };
  if (to === 'cancelled') data.cancelReason = extra.cancelReason;
  if (to === 'scheduled' && extra.scheduledFor) data.scheduledFor = extra.scheduledFor;
  await db.$transaction(async (tx) => {
    const { count } = await tx.consultation.updateMany({
      where: { id, version, status: c.status },
      data,
    });
    if (count === 0) throw await conflictFor(tx, id);
    await change(tx, actor, id, 'status', c.status, to);
  });
}

/** Marks a scheduled consultation as started (stamps started_at; the status stays scheduled). */
export async function startConsultation(
  db: Db,
  actor: Actor,
  id: number,
  version: number,
): Promise<void> {
  const c = await db.consultation.findUnique({
    where: { id },
    select: { status: true, doctorId: true, startedAt: true },
  });
  if (!c) throw new NotFoundError();
  if (!mayChangeStatus(actor, c)) throw new ForbiddenError();
  if (c.status !== 'scheduled' || c.startedAt)
    throw new TransitionError('Only a scheduled consultation that has not started can be started.');
  await db.$transaction(async (tx) => {
    const now = new Date();
    const { count } = await tx.consultation.updateMany({
      where: { id, version },
      data: { startedAt: now, version: { increment: 1 } },
    });
    if (count === 0) throw await conflictFor(tx, id);
    await change(tx, actor, id, 'started_at', null, now.toISOString());
  });
}

// ---------------------------------------------------------------------------------------------
// Pay-later payments: unpaid → pending (request) → paid.

export async function requestPayment(
  db: Db,
  actor: Actor,
  id: number,
  version: number,
): Promise<void> {
  if (actor.role === 'doctor') throw new ForbiddenError();
  const c = await db.consultation.findUnique({
    where: { id },
    select: {
      status: true,
      paymentModel: true,
      paymentStatus: true,
      customerId: true,
      amountMinor: true,
      currency: true,
    },
  });
  if (!c) throw new NotFoundError();
  if (c.paymentModel !== 'pay_later')
    throw new TransitionError('Pay-first consultations are paid before booking.');
  if (c.status !== 'completed')
    throw new TransitionError('Payment is requested after the consultation is completed.');
  if (c.paymentStatus !== 'unpaid')
    throw new TransitionError(`Payment is already ${c.paymentStatus}.`);
  await db.$transaction(async (tx) => {
    const { count } = await tx.consultation.updateMany({
      where: { id, version, paymentStatus: 'unpaid' },
      data: { paymentStatus: 'pending', version: { increment: 1 } },
    });
    if (count === 0) throw await conflictFor(tx, id);
    await tx.payment.create({
      data: {
        reference: makeReference('PAY'),
        customerId: c.customerId,
        consultationId: id,
        amountMinor: c.amountMinor,
        currency: c.currency,
        status: 'pending',
      },
    });
    await change(tx, actor, id, 'payment_status', 'unpaid', 'pending');
  });
}

export async function markPaid(db: Db, actor: Actor, id: number, version: number): Promise<void> {
  if (actor.role === 'doctor') throw new ForbiddenError();
  const c = await db.consultation.findUnique({
    where: { id },
    select: { paymentModel: true, paymentStatus: true },
  });
  if (!c) throw new NotFoundError();
  if (c.paymentStatus !== 'pending')
    throw new TransitionError(
      c.paymentStatus === 'paid'
        ? 'This consultation is already paid.'
        : 'Request the payment before marking it paid.',
    );
  await db.$transaction(async (tx) => {
    const now = new Date();
    const { count } = await tx.consultation.updateMany({
      where: { id, version, paymentStatus: 'pending' },
      data: { paymentStatus: 'paid', version: { increment: 1 } },
    });
    if (count === 0) throw await conflictFor(tx, id);
    await tx.payment.updateMany({
      where: { consultationId: id, status: 'pending' },
      data: { status: 'paid', paidAt: now },
    });
    await tx.customer.updateMany({
      where: { consultations: { some: { id } } },
      data: { lastActivityAt: now },
    });
    await change(tx, actor, id, 'payment_status', 'pending', 'paid');
  });
}
