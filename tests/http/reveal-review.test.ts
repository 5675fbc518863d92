import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { makeConsultation, makeCustomer, makeEscalation, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
let admin: { id: number; email: string };
let doctor: { id: number; email: string };
const MARK = 'REVIEWMARK-';

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  admin = await createUser(db, 'admin');
  doctor = await createUser(db, 'doctor');
});
afterAll(async () => {
  await db.drop();
});

/** A real reveal through the app: the doctor has no care relationship with this patient. */
async function reveal(reason: string): Promise<{ id: number; customerId: number }> {
  const patient = await makeCustomer(db);
  await db.prisma.customerMedical.create({
    data: { customerId: patient.id, allergies: `${MARK}allergy` },
  });
  const session = await signIn(app, doctor.email);
  await postForm(session, `/customers/${patient.id}/reveal`, { reason }).expect(303);
  const where = { customerId: patient.id };
  const row = await db.prisma.medicalReveal.findFirstOrThrow({ where, select: { id: true } });
  return { id: row.id, customerId: patient.id };
}

async function asAdmin() {
  return signIn(app, admin.email);
}

describe('break-the-glass review queue', () => {
  it("when a doctor reveals, then it waits in the admins' queue with its reason and no medical value", async () => {
    const r = await reveal('Covering the ward round this evening');
    const { agent } = await asAdmin();
    const page = await agent.get('/audit/reveals').expect(200);
    expect(page.headers['cache-control']).toContain('no-store');
    expect(page.text).toContain(`id="reveal-${r.id}"`);
    expect(page.text).toContain('Covering the ward round this evening');
    expect(page.text).not.toContain(MARK);
  });

  it('when a reveal has waited more than 7 days, then it stands out as overdue; a newer one does not', async () => {
    const old = await reveal('Old reveal waiting a long time');
    await db.pool.query(
      `UPDATE medical_reveals SET created_at = now() - interval '8 days' WHERE id = $1`,
      [old.id],
    );
    const fresh = await reveal('Fresh reveal from this morning');
    const { agent } = await asAdmin();
    const text = (await agent.get('/audit/reveals').expect(200)).text;
    const rowOf = (id: number) => {
      const start = text.indexOf(`id="reveal-${id}"`);
      return text.slice(start, text.indexOf('</tr>', start));
    };
    expect(rowOf(old.id)).toContain('overdue');
    expect(rowOf(fresh.id)).not.toContain('overdue');
    // Oldest first: the overdue one is above the fresh one.
    expect(text.indexOf(`reveal-${old.id}"`)).toBeLessThan(text.indexOf(`reveal-${fresh.id}"`));
  });

  it('when an admin acknowledges a reveal, then it leaves the queue, is stored as justified and audited', async () => {
    const r = await reveal("Night cover for the patient's own doctor");
    const session = await asAdmin();
    const { agent } = session;
    const res = await postForm(session, `/audit/reveals/${r.id}/justified`).expect(303);
    expect(res.headers.location).toBe('/audit/reveals');
    const row = await db.prisma.medicalReveal.findUniqueOrThrow({ where: { id: r.id } });
    expect(row).toMatchObject({ reviewOutcome: 'justified', reviewedById: admin.id });
    const audit = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'reveal_review', recordId: r.id },
    });
    expect(audit).toMatchObject({
      actorId: admin.id,
      customerId: r.customerId,
      recordType: 'reveal',
      reason: 'justified',
    });
    const page = (await agent.get('/audit/reveals').expect(200)).text;
    expect(page).not.toContain(`id="reveal-${r.id}"`);
  });

  it('when an admin flags without a comment, then the form comes back 422 and nothing is stored', async () => {
    const r = await reveal('Reason that needs a closer look');
    const session = await asAdmin();
    const res = await postForm(session, `/audit/reveals/${r.id}/flag`, { comment: 'bad' }).expect(
      422,
    );
    expect(res.text).toContain('>bad</textarea>');
    expect(res.text).toContain('at least 10 characters');
    expect(
      (await db.prisma.medicalReveal.findUniqueOrThrow({ where: { id: r.id } })).reviewedAt,
    ).toBeNull();
    expect(
      await db.prisma.auditEvent.count({ where: { action: 'reveal_review', recordId: r.id } }),
    ).toBe(0);
  });

  it('when an admin flags with a comment, then the flag and comment are stored and audited', async () => {
    const r = await reveal('Another reason that needs a look');
    const session = await asAdmin();
    const { agent } = session;
    const comment = 'No call or ticket about this patient that day.';
    await postForm(session, `/audit/reveals/${r.id}/flag`, { comment }).expect(303);
    expect(await db.prisma.medicalReveal.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({
      reviewOutcome: 'flagged',
      reviewComment: comment,
    });
    const audit = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'reveal_review', recordId: r.id },
    });
    expect(audit.reason).toBe(`flagged: ${comment}`);
    const page = (await agent.get('/audit/reveals').expect(200)).text;
    expect(page).toContain(comment);
  });

  it('when a reveal was already reviewed, then a second review is a conflict, not an overwrite', async () => {
    const r = await reveal('Reviewed twice at the same time');
    const session = await asAdmin();
    await postForm(session, `/audit/reveals/${r.id}/justified`).expect(303);
    await postForm(session, `/audit/reveals/${r.id}/flag`, {
      comment: 'Too late to flag this one.',
    }).expect(409);
    expect(
      (await db.prisma.medicalReveal.findUniqueOrThrow({ where: { id: r.id } })).reviewOutcome,
    ).toBe('justified');
    expect(
      await db.prisma.auditEvent.count({ where: { action: 'reveal_review', recordId: r.id } }),
    ).toBe(1);
  });

  it('when anyone but an admin tries, then it is refused', async () => {
    const r = await reveal('A reveal others may not review');
    for (const role of ['agent', 'supervisor', 'doctor'] as const) {
      const u = await createUser(db, role);
      const session = await signIn(app, u.email);
      const { agent } = session;
      await agent.get('/audit/reveals').expect(403);
      await postForm(session, `/audit/reveals/${r.id}/justified`).expect(403);
    }
    expect(
      (await db.prisma.medicalReveal.findUniqueOrThrow({ where: { id: r.id } })).reviewedAt,
    ).toBeNull();
  });
});

describe("a reveal tells the patient's assigned doctors", () => {
  it('when another doctor reveals, then doctors with a care relationship are notified; lapsed, cancelled and the revealer are not', async () => {
    const patient = await makeCustomer(db);
    const assigned = await createUser(db, 'doctor');
    const escalated = await createUser(db, 'doctor');
    const lapsed = await createUser(db, 'doctor');
    const cancelled = await createUser(db, 'doctor');
    const agentUser = await createUser(db, 'agent');
    await makeConsultation(db, patient.id, { doctorId: assigned.id });
    const old = await makeConsultation(db, patient.id, { doctorId: cancelled.id });
    await db.prisma.consultation.update({ where: { id: old.id }, data: { status: 'cancelled' } });
    const ticket = await makeTicket(db, patient.id, agentUser.id, null);
    const escalation = (targetUserId: number) =>
      makeEscalation(db, {
        customerId: patient.id,
        ticketId: ticket.id,
        raisedById: agentUser.id,
        targetType: 'doctor',
        targetUserId,
      });
    await escalation(escalated.id);
    const gone = await escalation(lapsed.id);
    await db.prisma.escalation.update({
      where: { id: gone.id },
      data: { status: 'resolved', resolvedAt: new Date(Date.now() - 31 * 86_400_000) },
    });

    const session = await signIn(app, doctor.email);
    await postForm(session, `/customers/${patient.id}/reveal`, {
      reason: 'Covering an emergency call tonight',
    }).expect(303);

    const told = await db.prisma.notification.findMany({
      where: { kind: 'medical_reveal', recordType: 'customer', recordId: patient.id },
      select: { userId: true, actorId: true },
      orderBy: { userId: 'asc' },
    });
    expect(told).toEqual([
      { userId: assigned.id, actorId: doctor.id },
      { userId: escalated.id, actorId: doctor.id },
    ]);
    const { agent: theirs } = await signIn(app, assigned.email);
    const list = (await theirs.get('/notifications').expect(200)).text;
    expect(list).toContain('revealed medical details of');
    expect(list).not.toContain(MARK);
  });

  it('when a doctor with no other doctor in the care team reveals, then nobody is notified', async () => {
    const r = await reveal('Only doctor looking at this one');
    const where = { kind: 'medical_reveal', recordId: r.customerId };
    expect(await db.prisma.notification.count({ where })).toBe(0);
  });
});
