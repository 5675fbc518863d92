import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  escalationAccessEnds,
  medicalAccess,
  presentCustomerMedical,
} from '../../src/privacy/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createUser } from '../support/app.js';
import { makeConsultation, makeCustomer, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
type Doctor = { id: number; role: 'doctor' };
let doctor: Doctor;
let agentId: number;
const DAY = 86_400_000;
const NOW = new Date('2026-06-15T12:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  doctor = { id: (await createUser(db, 'doctor')).id, role: 'doctor' };
  agentId = (await createUser(db, 'agent')).id;
});
afterAll(async () => {
  await db.drop();
});

async function escalationFor(
  customerId: number,
  status: 'pending' | 'in_progress' | 'resolved' | 'closed',
  resolvedAt: Date | null,
) {
  const ticket = await makeTicket(db, customerId, agentId, null);
  return db.prisma.escalation.create({
    data: {
      customerId,
      ticketId: ticket.id,
      targetType: 'doctor',
      targetUserId: doctor.id,
      raisedById: agentId,
      reason: 'Needs a doctor to answer.',
      status,
      resolvedAt,
    },
  });
}

describe('care relationships that end', () => {
  it('when the doctor has a consultation with the patient, then access is standing and names the consultation', async () => {
    const patient = await makeCustomer(db);
    const c = await makeConsultation(db, patient.id, { doctorId: doctor.id, status: 'completed' });
    const access = await medicalAccess(db.prisma, doctor, patient.id, { now: NOW });
    expect(access).toMatchObject({
      allowed: true,
      basis: 'assigned',
      grantedBy: `consultation ${c.id}`,
      expiresAt: null,
    });
  });

  it("when the doctor's only consultation with the patient is cancelled, then there is no standing access", async () => {
    const patient = await makeCustomer(db);
    await makeConsultation(db, patient.id, { doctorId: doctor.id, status: 'cancelled' });
    expect((await medicalAccess(db.prisma, doctor, patient.id, { now: NOW })).allowed).toBe(false);
  });

  it('when an escalation to the doctor is open, then access holds however old it is', async () => {
    const patient = await makeCustomer(db);
    const e = await escalationFor(patient.id, 'in_progress', null);
    const later = new Date(NOW.getTime() + 400 * DAY);
    const access = await medicalAccess(db.prisma, doctor, patient.id, {
      now: later,
      escalationAccessDays: 30,
    });
    expect(access).toMatchObject({
      allowed: true,
      basis: 'escalation',
      grantedBy: `escalation ${e.id}`,
      expiresAt: null,
    });
  });

  it('when a resolved escalation is inside the window, then access holds and says when it ends', async () => {
    const patient = await makeCustomer(db);
    const resolvedAt = new Date(NOW.getTime() - 29 * DAY);
    await escalationFor(patient.id, 'resolved', resolvedAt);
    const access = await medicalAccess(db.prisma, doctor, patient.id, {
      now: NOW,
      escalationAccessDays: 30,
    });
    expect(access).toMatchObject({ allowed: true, basis: 'escalation' });
    expect(access.expiresAt).toEqual(new Date(resolvedAt.getTime() + 30 * DAY));
  });

  it('when the window after a resolved escalation has passed, then access lapses and only a reveal remains', async () => {
    const patient = await makeCustomer(db);
    const resolvedAt = new Date(NOW.getTime() - 31 * DAY);
    await escalationFor(patient.id, 'resolved', resolvedAt);
    expect(
      (await medicalAccess(db.prisma, doctor, patient.id, { now: NOW, escalationAccessDays: 30 }))
        .allowed,
    ).toBe(false);
    // The same record inside a longer configured window still grants access: the setting is honoured.
    expect(
      (await medicalAccess(db.prisma, doctor, patient.id, { now: NOW, escalationAccessDays: 45 }))
        .allowed,
    ).toBe(true);
    const shown = await presentCustomerMedical(db.prisma, doctor, patient.id, {
      now: NOW,
      escalationAccessDays: 30,
    });
    expect(shown).toMatchObject({ visible: false, canReveal: true });
  });

  it("when a closed escalation's window has passed, then access lapses just the same", async () => {
    const patient = await makeCustomer(db);
    await escalationFor(patient.id, 'closed', new Date(NOW.getTime() - 30 * DAY - 1000));
    expect(
      (await medicalAccess(db.prisma, doctor, patient.id, { now: NOW, escalationAccessDays: 30 }))
        .allowed,
    ).toBe(false);
  });

  it('when a showing is audited, then the audit row names its basis record', async () => {
    const patient = await makeCustomer(db);
    await db.prisma.customerMedical.create({
      data: { customerId: patient.id, allergies: 'penicillin' },
    });
    const e = await escalationFor(patient.id, 'resolved', new Date(NOW.getTime() - DAY));
    await presentCustomerMedical(db.prisma, doctor, patient.id, { now: NOW });
    const row = await db.prisma.auditEvent.findFirstOrThrow({
      where: { customerId: patient.id, action: 'medical_view' },
    });
    expect(row.reason).toBe(`escalation: escalation ${e.id}`);
  });

  it('when an escalation is open, then its access has no end; when resolved, then it ends days after resolution', () => {
    expect(escalationAccessEnds(null, 30)).toBeNull();
    expect(escalationAccessEnds(NOW, 30)).toEqual(new Date(NOW.getTime() + 30 * DAY));
  });
});
