import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { NotFoundError, TransitionError, ValidationError } from '../../errors.js';
import { assertCareDesk } from './policy.js';
import { conflictFor, recordChange, type Tx } from './service.js';

// Which doctor a consultation goes to: one chosen by customer care, or 'auto' (the least busy).

export async function assertAssignableDoctor(db: Db | Tx, doctorId: number): Promise<void> {
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

/** The doctor asked for: the one named, or the one `pickDoctor` finds (null when none is free). */
export async function chosenDoctor(tx: Tx, doctor: number | 'auto'): Promise<number | null> {
  return doctor === 'auto' ? pickDoctor(tx) : doctor;
}

export interface Assignment {
  id: number;
  doctor: number | 'auto';
  /** The version the form was rendered with. */
  version: number;
}

async function assertReassignable(db: Db, id: number) {
  const c = await db.consultation.findUnique({
    where: { id },
    select: { status: true, doctorId: true },
  });
  if (!c) throw new NotFoundError();
  if (c.status === 'completed' || c.status === 'cancelled')
    throw new TransitionError(`A ${c.status} consultation cannot be reassigned.`);
  return c;
}

/** Gives an open consultation to a doctor; returns the doctor's id. */
export async function assignDoctor(db: Db, actor: Actor, assignment: Assignment): Promise<number> {
  const { id, doctor, version } = assignment;
  assertCareDesk(actor, 'Doctors are assigned by customer care.');
  const c = await assertReassignable(db, id);
  if (typeof doctor === 'number') await assertAssignableDoctor(db, doctor);
  return db.$transaction(async (tx) => {
    const doctorId = await chosenDoctor(tx, doctor);
    if (!doctorId) throw new TransitionError('No doctor is available right now.');
    const { count } = await tx.consultation.updateMany({
      where: { id, version },
      data: { doctorId, version: { increment: 1 } },
    });
    if (count === 0) throw await conflictFor(tx, id);
    await recordChange(tx, actor, {
      recordId: id,
      field: 'doctor_id',
      from: c.doctorId,
      to: doctorId,
    });
    return doctorId;
  });
}
