import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createUser } from '../support/app.js';
import { makeConsultation, makeCustomer } from '../support/fixtures.js';
import {
  ConflictError,
  ForbiddenError,
  TransitionError,
  ValidationError,
} from '../../src/errors.js';
import { assignDoctor, pickDoctor } from '../../src/modules/consultations/assignment.js';
import { createConsultation } from '../../src/modules/consultations/booking.js';
import {
  startConsultation,
  transitionConsultation,
} from '../../src/modules/consultations/moves.js';
import { markPaid, requestPayment } from '../../src/modules/consultations/payments.js';
import { listConsultations } from '../../src/modules/consultations/queries.js';
import { listQuery } from '../../src/modules/consultations/schema.js';

let db: TestDatabase;
let agent: { id: number; role: 'agent' };
beforeAll(async () => {
  db = await createTestDatabase();
  const u = await createUser(db, 'agent');
  agent = { id: u.id, role: 'agent' };
});
afterAll(async () => {
  await db.drop();
});

const base = { mode: 'video' as const, amount: 500000 };

describe('pay first / pay later', () => {
  it('when pay-first has no payment confirmation, then it is refused and nothing is created', async () => {
    const c = await makeCustomer(db);
    await expect(
      createConsultation(db.prisma, agent, {
        ...base,
        customerId: c.id,
        paymentModel: 'pay_first',
      }),
    ).rejects.toThrow(ValidationError);
    expect(await db.prisma.consultation.count({ where: { customerId: c.id } })).toBe(0);
    expect(await db.prisma.payment.count({ where: { customerId: c.id } })).toBe(0);
  });

  it('when a pay-first consultation is booked, then a paid payment and a paid consultation are written together', async () => {
    const c = await makeCustomer(db);
    const { id } = await createConsultation(db.prisma, agent, {
      ...base,
      customerId: c.id,
      paymentModel: 'pay_first',
      paymentConfirmation: 'GW-998877',
    });
    const row = await db.prisma.consultation.findUniqueOrThrow({ where: { id } });
    expect(row.paymentStatus).toBe('paid');
    expect(row.status).toBe('pending');
    const payments = await db.prisma.payment.findMany({ where: { consultationId: id } });
    expect(payments).toHaveLength(1);
    expect(payments[0].status).toBe('paid');
    expect(payments[0].amountMinor).toBe(500000);
    expect(payments[0].paidAt).not.toBeNull();
  });

  it('when a pay-later consultation is completed, then its payment goes unpaid → pending → paid, and not before', async () => {
    const doctor = await createUser(db, 'doctor');
    const c = await makeCustomer(db);
    const { id } = await createConsultation(db.prisma, agent, {
      ...base,
      customerId: c.id,
      paymentModel: 'pay_later',
      doctor: doctor.id,
    });
    let row = await db.prisma.consultation.findUniqueOrThrow({ where: { id } });
    expect(row.paymentStatus).toBe('unpaid');
    await expect(requestPayment(db.prisma, agent, id, row.version)).rejects.toThrow(
      TransitionError,
    ); // not completed yet
    await expect(markPaid(db.prisma, agent, id, row.version)).rejects.toThrow(TransitionError);
    await transitionConsultation(db.prisma, agent, { id, to: 'scheduled', version: row.version });
    row = await db.prisma.consultation.findUniqueOrThrow({ where: { id } });
    await transitionConsultation(db.prisma, agent, { id, to: 'completed', version: row.version });
    row = await db.prisma.consultation.findUniqueOrThrow({ where: { id } });
    await requestPayment(db.prisma, agent, id, row.version);
    row = await db.prisma.consultation.findUniqueOrThrow({ where: { id } });
    expect(row.paymentStatus).toBe('pending');
    expect(
      (await db.prisma.payment.findFirstOrThrow({ where: { consultationId: id } })).status,
    ).toBe('pending');
    await expect(requestPayment(db.prisma, agent, id, row.version)).rejects.toThrow(
      TransitionError,
    );
    await markPaid(db.prisma, agent, id, row.version);
    row = await db.prisma.consultation.findUniqueOrThrow({ where: { id } });
    expect(row.paymentStatus).toBe('paid');
    const payment = await db.prisma.payment.findFirstOrThrow({ where: { consultationId: id } });
    expect(payment.status).toBe('paid');
    expect(payment.paidAt).not.toBeNull();
    const changes = await db.prisma.recordChange.findMany({
      where: { recordType: 'consultation', recordId: id, field: 'payment_status' },
      orderBy: { id: 'asc' },
    });
    expect(changes.map((ch) => ch.toValue)).toEqual(['pending', 'paid']);
  });

  it('when a booking repeats its idempotency key, then one consultation exists', async () => {
    const c = await makeCustomer(db);
    const key = randomUUID();
    const first = await createConsultation(db.prisma, agent, {
      ...base,
      customerId: c.id,
      paymentModel: 'pay_later',
      idempotencyKey: key,
    });
    const second = await createConsultation(db.prisma, agent, {
      ...base,
      customerId: c.id,
      paymentModel: 'pay_later',
      idempotencyKey: key,
    });
    expect(second).toEqual({ id: first.id, existing: true });
    expect(await db.prisma.consultation.count({ where: { customerId: c.id } })).toBe(1);
  });

  it('when a doctor books, then it is refused', async () => {
    const doctor = await createUser(db, 'doctor');
    const c = await makeCustomer(db);
    await expect(
      createConsultation(
        db.prisma,
        { id: doctor.id, role: 'doctor' },
        { ...base, customerId: c.id, paymentModel: 'pay_later' },
      ),
    ).rejects.toThrow(ForbiddenError);
  });
});

describe('lifecycle on the server', () => {
  it('when a consultation moves, then each move is stamped and recorded, and illegal moves are refused', async () => {
    const doctor = await createUser(db, 'doctor');
    const c = await makeCustomer(db);
    const cons = await makeConsultation(db, c.id, { doctorId: doctor.id });
    await expect(
      transitionConsultation(db.prisma, agent, { id: cons.id, to: 'completed', version: 1 }),
    ).rejects.toThrow(TransitionError);
    await transitionConsultation(db.prisma, agent, { id: cons.id, to: 'scheduled', version: 1 });
    let row = await db.prisma.consultation.findUniqueOrThrow({ where: { id: cons.id } });
    expect(row.scheduledAt).not.toBeNull();
    await startConsultation(db.prisma, { id: doctor.id, role: 'doctor' }, cons.id, row.version);
    row = await db.prisma.consultation.findUniqueOrThrow({ where: { id: cons.id } });
    expect(row.startedAt).not.toBeNull();
    await transitionConsultation(
      db.prisma,
      { id: doctor.id, role: 'doctor' },
      { id: cons.id, to: 'completed', version: row.version },
    );
    row = await db.prisma.consultation.findUniqueOrThrow({ where: { id: cons.id } });
    expect(row.status).toBe('completed');
    expect(row.endedAt).not.toBeNull();
    for (const to of ['pending', 'scheduled', 'cancelled', 'completed'] as const) {
      await expect(
        transitionConsultation(db.prisma, agent, {
          id: cons.id,
          to,
          version: row.version,
          cancelReason: 'no longer needed',
        }),
      ).rejects.toThrow(TransitionError);
    }
    const statuses = await db.prisma.recordChange.findMany({
      where: { recordType: 'consultation', recordId: cons.id, field: 'status' },
      orderBy: { id: 'asc' },
    });
    expect(statuses.map((s) => `${s.fromValue}>${s.toValue}`)).toEqual([
      'pending>scheduled',
      'scheduled>completed',
    ]);
  });

  it('when a pending or scheduled consultation is cancelled, then a reason is required', async () => {
    const doctor = await createUser(db, 'doctor');
    const c = await makeCustomer(db);
    const a = await makeConsultation(db, c.id);
    await expect(
      transitionConsultation(db.prisma, agent, { id: a.id, to: 'cancelled', version: 1 }),
    ).rejects.toThrow(TransitionError);
    await transitionConsultation(db.prisma, agent, {
      id: a.id,
      to: 'cancelled',
      version: 1,
      cancelReason: 'Patient asked',
    });
    const row = await db.prisma.consultation.findUniqueOrThrow({ where: { id: a.id } });
    expect(row.cancelledAt).not.toBeNull();
    expect(row.cancelReason).toBe('Patient asked');
    const b = await makeConsultation(db, c.id, { doctorId: doctor.id, status: 'scheduled' });
    await transitionConsultation(db.prisma, agent, {
      id: b.id,
      to: 'cancelled',
      version: 1,
      cancelReason: 'Doctor unwell',
    });
    await expect(
      transitionConsultation(db.prisma, agent, { id: b.id, to: 'scheduled', version: 2 }),
    ).rejects.toThrow(TransitionError);
  });

  it('when a consultation is scheduled, then it needs a doctor and the current version, and other doctors are refused', async () => {
    const doctor = await createUser(db, 'doctor');
    const other = await createUser(db, 'doctor');
    const c = await makeCustomer(db);
    const cons = await makeConsultation(db, c.id);
    await expect(
      transitionConsultation(db.prisma, agent, { id: cons.id, to: 'scheduled', version: 1 }),
    ).rejects.toThrow(/Assign a doctor/);
    await assignDoctor(db.prisma, agent, { id: cons.id, doctor: doctor.id, version: 1 });
    await expect(
      transitionConsultation(db.prisma, agent, { id: cons.id, to: 'scheduled', version: 1 }),
    ).rejects.toThrow(ConflictError);
    await expect(
      transitionConsultation(
        db.prisma,
        { id: other.id, role: 'doctor' },
        { id: cons.id, to: 'scheduled', version: 2 },
      ),
    ).rejects.toThrow(ForbiddenError);
    await transitionConsultation(db.prisma, agent, { id: cons.id, to: 'scheduled', version: 2 });
  });
});

describe('doctor assignment', () => {
  let fresh: TestDatabase;
  // Each test gets its own database so doctor counts are exact, dropped even when the test fails.
  beforeEach(async () => {
    fresh = await createTestDatabase();
  });
  afterEach(async () => {
    await fresh.drop();
  });

  it('when a doctor is picked automatically, then the available one with the fewest open consultations wins', async () => {
    const a = await createUser(fresh, 'doctor');
    const b = await createUser(fresh, 'doctor');
    const off = await createUser(fresh, 'doctor');
    await fresh.prisma.doctorProfile.update({
      where: { userId: off.id },
      data: { available: false },
    });
    const c = await makeCustomer(fresh);
    await makeConsultation(fresh, c.id, { doctorId: a.id, status: 'pending' });
    await makeConsultation(fresh, c.id, { doctorId: a.id, status: 'scheduled' });
    await makeConsultation(fresh, c.id, { doctorId: b.id, status: 'scheduled' });
    // Closed consultations do not count.
    for (let i = 0; i < 3; i++)
      await makeConsultation(fresh, c.id, { doctorId: b.id, status: 'completed' });
    expect(await fresh.prisma.$transaction((tx) => pickDoctor(tx))).toBe(b.id);
  });

  it('when doctors are tied, then the least recently assigned one is picked', async () => {
    const doctors = [
      await createUser(fresh, 'doctor'),
      await createUser(fresh, 'doctor'),
      await createUser(fresh, 'doctor'),
    ];
    const u = await createUser(fresh, 'agent');
    const actor = { id: u.id, role: 'agent' as const };
    const c = await makeCustomer(fresh);
    const picked: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { id } = await createConsultation(fresh.prisma, actor, {
        ...base,
        customerId: c.id,
        paymentModel: 'pay_later',
        doctor: 'auto',
      });
      const row = await fresh.prisma.consultation.findUniqueOrThrow({ where: { id } });
      picked.push(row.doctorId!);
      if (i === 2) {
        // Everyone has one open; close the first doctor's so they have fewest.
        const first = await fresh.prisma.consultation.findFirstOrThrow({
          where: { doctorId: doctors[0].id },
        });
        await fresh.prisma.consultation.update({
          where: { id: first.id },
          data: { status: 'cancelled' },
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const ids = doctors.map((d) => d.id);
    expect(picked.slice(0, 3)).toEqual(ids); // all tied at 0 → by id, then rotation
    expect(picked[3]).toBe(ids[0]); // fewest open wins
    // Now all have 1 open again: tie → least recently assigned (doctor 1, then 2).
    expect(picked.slice(4)).toEqual([ids[1], ids[2]]);
  });

  it('when a consultation is reassigned, then the change is recorded and unavailable doctors are refused', async () => {
    const a = await createUser(fresh, 'doctor');
    const b = await createUser(fresh, 'doctor');
    const u = await createUser(fresh, 'agent');
    const actor = { id: u.id, role: 'agent' as const };
    const c = await makeCustomer(fresh);
    const cons = await makeConsultation(fresh, c.id, { doctorId: a.id });
    await assignDoctor(fresh.prisma, actor, { id: cons.id, doctor: b.id, version: 1 });
    const ch = await fresh.prisma.recordChange.findFirstOrThrow({
      where: { recordType: 'consultation', recordId: cons.id, field: 'doctor_id' },
    });
    expect([ch.fromValue, ch.toValue]).toEqual([String(a.id), String(b.id)]);
    await fresh.prisma.doctorProfile.update({
      where: { userId: a.id },
      data: { available: false },
    });
    await expect(
      assignDoctor(fresh.prisma, actor, { id: cons.id, doctor: a.id, version: 2 }),
    ).rejects.toThrow(ValidationError);
    await expect(
      assignDoctor(fresh.prisma, actor, { id: cons.id, doctor: 'auto', version: 1 }),
    ).rejects.toThrow(ConflictError);
  });
});

describe('list filters and search', () => {
  it('when the list is filtered or searched by reference, name, email or phone digits, then it finds the matches and pages by keyset', async () => {
    const doctor = await createUser(db, 'doctor');
    const actor = { id: doctor.id, role: 'doctor' as const };
    const c = await makeCustomer(db, {
      firstName: 'Zebedee',
      lastName: 'Quartz',
      phone: '+234 (803) 555-7788',
      email: 'zeb.quartz@example.test',
    });
    const made = [];
    for (let i = 0; i < 5; i++)
      made.push(
        await makeConsultation(db, c.id, {
          doctorId: doctor.id,
          createdAt: new Date(Date.UTC(2026, 0, 1 + i)),
        }),
      );
    const q = (extra: Record<string, string>) => listQuery.parse({ f: '1', ...extra });
    expect(
      (await listConsultations(db.pool, actor, q({ q: 'zebedee quartz' }), 25)).rows,
    ).toHaveLength(5);
    expect(
      (await listConsultations(db.pool, actor, q({ q: 'ZEB.QUARTZ@' }), 25)).rows,
    ).toHaveLength(5);
    expect((await listConsultations(db.pool, actor, q({ q: '555-77' }), 25)).rows).toHaveLength(5);
    expect(
      (
        await listConsultations(db.pool, actor, q({ q: made[2].reference.toLowerCase() }), 25)
      ).rows.map((r) => r.id),
    ).toEqual([made[2].id]);
    expect((await listConsultations(db.pool, actor, q({ q: '100%_' }), 25)).rows).toHaveLength(0);
    // Doctors default to their own.
    const mine = await listConsultations(db.pool, actor, listQuery.parse({}), 25);
    expect(mine.rows.every((r) => r.doctorId === doctor.id)).toBe(true);
    // Keyset pages, newest first.
    const first = await listConsultations(
      db.pool,
      actor,
      q({ q: 'zebedee', from: '2026-01-01', to: '2026-01-05' }),
      2,
    );
    expect(first.rows.map((r) => r.id)).toEqual([made[4].id, made[3].id]);
    const second = await listConsultations(
      db.pool,
      actor,
      q({ q: 'zebedee', after: first.nextCursor! }),
      2,
    );
    expect(second.rows.map((r) => r.id)).toEqual([made[2].id, made[1].id]);
    const range = await listConsultations(
      db.pool,
      actor,
      q({ q: 'zebedee', from: '2026-01-02', to: '2026-01-03' }),
      25,
    );
    expect(range.rows.map((r) => r.id)).toEqual([made[2].id, made[1].id]);
    expect(
      (await listConsultations(db.pool, actor, q({ q: 'zebedee', status: 'completed' }), 25)).rows,
    ).toHaveLength(0);
  });
});
