import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { makeConsultation, makeCustomer } from '../support/fixtures.js';

// One patient whose every medical value is a unique marker; no page or export for staff may
// ever contain any of them, in the body or in a header.
let db: TestDatabase;
let app: Express;
const tag = randomBytes(4).toString('hex');
const marker = (field: string) => `CANARY-${field}-${tag}`;
const CUSTOMER_FIELDS = [
  'bloodGroup',
  'genotype',
  'allergies',
  'chronicConditions',
  'medicalHistory',
  'currentMedications',
] as const;
const CONSULTATION_FIELDS = [
  'presentingComplaint',
  'medicalHistory',
  'diagnosis',
  'treatmentPlan',
  'prescribedMedication',
  'followUpInstructions',
] as const;
const MARKERS = [
  ...CUSTOMER_FIELDS.map((f) => marker(`cust-${f}`)),
  ...CONSULTATION_FIELDS.map((f) => marker(`cons-${f}`)),
];

let patient: { id: number; fullName: string; email: string; phoneDigits: string };
let consultation: { id: number; reference: string };
let doctor: { id: number; email: string };
let otherDoctor: { id: number; email: string };
let escalationDoctor: { id: number; email: string };
const others: string[] = [];

function leaks(res: Response): string[] {
  const haystack =
    JSON.stringify(res.headers) +
    (res.text ?? '') +
    (Buffer.isBuffer(res.body) ? res.body.toString('utf8') : '');
  return MARKERS.filter((m) => haystack.includes(m));
}

function hasAny(res: Response): boolean {
  return MARKERS.some((m) => (res.text ?? '').includes(m));
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  doctor = await createUser(db, 'doctor');
  otherDoctor = await createUser(db, 'doctor');
  escalationDoctor = await createUser(db, 'doctor');
  const agent = await createUser(db, 'agent');
  const c = await makeCustomer(db, { firstName: 'Canary', lastName: `Patient${tag}` });
  patient = c;
  await db.prisma.customerMedical.create({
    data: {
      customerId: c.id,
      ...Object.fromEntries(CUSTOMER_FIELDS.map((f) => [f, marker(`cust-${f}`)])),
    },
  });
  const cons = await makeConsultation(db, c.id, { doctorId: doctor.id, status: 'completed' });
  consultation = cons;
  await db.prisma.consultationMedical.create({
    data: {
      consultationId: cons.id,
      recordedById: doctor.id,
      ...Object.fromEntries(CONSULTATION_FIELDS.map((f) => [f, marker(`cons-${f}`)])),
    },
  });
  // Other modules' records about the same patient, so their lists and our timeline show them.
  const ticket = await db.prisma.supportTicket.create({
    data: {
      number: `TKT-C${tag.slice(0, 7).toUpperCase()}`,
      customerId: c.id,
      consultationId: cons.id,
      category: 'medical',
      subject: 'Follow-up question',
      description: 'Customer asked about the consultation.',
      createdById: agent.id,
    },
  });
  const interaction = await db.prisma.interaction.create({
    data: { customerId: c.id, agentId: agent.id, channel: 'chat', subject: 'Chat about results' },
  });
  // A verified caller: the verification panel, the profile banner and the timeline entry show.
  await db.prisma.callerVerification.create({
    data: {
      interactionId: interaction.id,
      customerId: c.id,
      method: 'dob_phone',
      result: 'passed',
      actorId: agent.id,
    },
  });
  const escalation = await db.prisma.escalation.create({
    data: {
      customerId: c.id,
      ticketId: ticket.id,
      consultationId: cons.id,
      targetType: 'doctor',
      targetUserId: escalationDoctor.id,
      raisedById: agent.id,
      reason: 'Needs a doctor to answer.',
    },
  });
  // The ticket's thread and follow-ups show the patient too.
  const authorId = agent.id;
  await db.prisma.ticketEntry.create({
    data: { ticketId: ticket.id, authorId, kind: 'note', body: 'Asked about results.' },
  });
  await db.prisma.followUp.create({
    data: { ticketId: ticket.id, ownerId: authorId, dueAt: new Date(), reason: 'Call back.' },
  });
  others.push('/follow-ups', '/canned-replies', '/tickets/bulk');
  others.push(
    `/tickets/${ticket.id}`,
    `/interactions/${interaction.id}`,
    `/escalations/${escalation.id}`,
    `/tickets?q=${encodeURIComponent(c.fullName)}`,
    `/interactions?q=${encodeURIComponent(c.fullName)}`,
    `/consultations/${cons.id}?interaction=${interaction.id}`,
    `/consultations/new?customerId=${c.id}&interaction=${interaction.id}`,
    `/customers/${c.id}/contact?interaction=${interaction.id}`,
  );
  // Live-desk fragments and the stream itself, for records about the same patient.
  others.push(
    `/tickets/${ticket.id}/row`,
    `/interactions/${interaction.id}/row`,
    `/escalations/${escalation.id}/row`,
    `/consultations/${cons.id}/row`,
    `/presence?type=ticket&id=${ticket.id}&version=0`,
    `/presence?type=interaction&id=${interaction.id}`,
    `/presence?type=escalation&id=${escalation.id}`,
    `/presence?type=consultation&id=${cons.id}&version=0`,
    '/notifications',
    '/notifications/badge',
    '/events',
  );
  await db.prisma.payment.create({
    data: {
      reference: `PAY-C${tag.slice(0, 7).toUpperCase()}`,
      customerId: c.id,
      consultationId: cons.id,
      amountMinor: 500000,
      status: 'paid',
      paidAt: new Date(),
    },
  });
});
afterAll(async () => {
  await db.drop();
});

function staffUrls(): string[] {
  const digits = patient.phoneDigits.slice(-6);
  return [
    '/consultations',
    `/consultations?q=${encodeURIComponent(patient.fullName)}`,
    `/consultations?q=${consultation.reference}`,
    `/consultations?q=${digits}`,
    `/consultations/${consultation.id}`,
    '/consultations/export.csv',
    `/consultations/export.csv?q=${encodeURIComponent(patient.fullName)}`,
    '/customers',
    `/customers?q=${encodeURIComponent(patient.fullName)}`,
    `/customers?q=${patient.email}`,
    `/customers?q=${digits}`,
    `/customers/${patient.id}`,
    '/audit',
    `/audit?customerId=${patient.id}`,
    '/audit/export.fhir.json',
    `/audit/export.fhir.ndjson?patient=${patient.id}`,
    `/audit/patients/${patient.id}/access`,
    `/audit/patients/${patient.id}/access.csv`,
    '/audit/reveals',
    '/consultations/999999999',
    '/customers/abc',
    '/customers/99999999999',
    '/nope',
    '/tickets',
    '/interactions',
    '/escalations',
    '/tickets/export.csv',
    '/tickets/export.csv?view=all',
    `/tickets/export.csv?customer=${patient.id}`,
    '/interactions/export.csv?scope=all',
    `/interactions/export.csv?customer=${patient.id}`,
    '/escalations/export.csv?scope=all',
    '/customers/export.csv',
    `/customers/export.csv?q=${encodeURIComponent(patient.fullName)}`,
    '/',
    `/consultations/new?customerId=${patient.id}`,
    '/metrics',
    `/go?q=${encodeURIComponent(patient.fullName)}`,
    `/go?q=${consultation.reference}`,
    `/go?q=${digits}`,
    `/customers/${patient.id}/contact`,
    `/customers/${patient.id}/photo`,
    `/customers/${patient.id}/photo/edit`,
    '/staff',
    '/account',
    '/sla-targets',
    ...others,
  ];
}

describe.each(['agent', 'supervisor', 'admin'] as const)('as %s', (role) => {
  it('when staff open every page, export and error page, then none carries a medical value', async () => {
    const user = await createUser(db, role);
    const session = await signIn(app, user.email);
    const { agent } = session;
    for (const url of staffUrls()) {
      const res = await agent.get(url);
      expect(res.status, url).toBeLessThan(500);
      expect(leaks(res), url).toEqual([]);
    }
    // JSON error responses and refused posts too.
    const json = await agent
      .get(`/consultations/${consultation.id}x`)
      .set('Accept', 'application/json');
    expect(leaks(json)).toEqual([]);
    const medicalPost = await postForm(session, `/consultations/${consultation.id}/medical`, {
      version: '1',
      diagnosis: 'x',
    });
    expect(medicalPost.status).toBe(403);
    expect(leaks(medicalPost)).toEqual([]);
    const revealPost = await postForm(session, `/customers/${patient.id}/reveal`, {
      reason: 'I would like to see it please',
    });
    expect(revealPost.status).toBe(403);
    expect(leaks(revealPost)).toEqual([]);
    // Some seventy requests, CSV exports among them: room for a busy machine.
  }, 120_000);

  it('when staff open a profile or consultation, then they see that medical fields exist without their values', async () => {
    const user = await createUser(db, role);
    const { agent } = await signIn(app, user.email);
    const profile = await agent.get(`/customers/${patient.id}`).expect(200);
    expect(profile.text).toContain('Recorded');
    expect(profile.headers['cache-control']).toContain('no-store');
    const detail = await agent.get(`/consultations/${consultation.id}`).expect(200);
    expect(detail.text).toContain('Recorded');
    expect(detail.headers['cache-control']).toContain('no-store');
  });
});

describe('doctors', () => {
  it('when the assigned doctor opens the records, then every value shows and each showing is audited', async () => {
    const before = await db.prisma.auditEvent.count({
      where: { actorId: doctor.id, action: 'medical_view' },
    });
    const { agent } = await signIn(app, doctor.email);
    const profile = await agent.get(`/customers/${patient.id}`).expect(200);
    for (const f of CUSTOMER_FIELDS) expect(profile.text).toContain(marker(`cust-${f}`));
    const detail = await agent.get(`/consultations/${consultation.id}`).expect(200);
    for (const f of CONSULTATION_FIELDS) expect(detail.text).toContain(marker(`cons-${f}`));
    const events = await db.prisma.auditEvent.findMany({
      where: { actorId: doctor.id, action: 'medical_view' },
      orderBy: { id: 'asc' },
    });
    expect(events.length).toBe(before + 2);
    expect(events.map((e) => e.fieldGroup).sort()).toEqual([
      'consultation_medical',
      'customer_medical',
    ]);
    for (const e of events) {
      expect(e.customerId).toBe(patient.id);
      expect(e.actorRole).toBe('doctor');
      expect(e.reason).toBe(`assigned: consultation ${consultation.id}`);
      expect(
        MARKERS.some((m) =>
          JSON.stringify({ ...e, id: String(e.id), seq: String(e.seq) }).includes(m),
        ),
      ).toBe(false);
    }
    // The doctor's lists and CSV exports are not medical either, even about their own patient.
    expect(hasAny(await agent.get('/consultations'))).toBe(false);
    for (const url of [
      '/customers/export.csv',
      `/customers/export.csv?q=${encodeURIComponent(patient.fullName)}`,
      '/escalations/export.csv',
    ]) {
      const res = await agent.get(url).expect(200);
      expect(leaks(res), url).toEqual([]);
    }
  });

  it('when an escalation is addressed to a doctor, then that doctor sees the values (basis escalation)', async () => {
    const { agent } = await signIn(app, escalationDoctor.email);
    const profile = await agent.get(`/customers/${patient.id}`).expect(200);
    expect(profile.text).toContain(marker('cust-allergies'));
    const last = await db.prisma.auditEvent.findFirst({
      where: { actorId: escalationDoctor.id },
      orderBy: { id: 'desc' },
    });
    expect(last?.reason).toMatch(/^escalation: escalation \d+$/);
  });

  it('when an unrelated doctor opens the records, then nothing shows until a reveal with a reason, which is audited', async () => {
    const session = await signIn(app, otherDoctor.email);
    const { agent } = session;
    for (const url of [
      `/customers/${patient.id}`,
      `/consultations/${consultation.id}`,
      '/consultations?mine=0',
      '/customers',
    ]) {
      const res = await agent.get(url);
      expect(res.status, url).toBe(200);
      expect(leaks(res), url).toEqual([]);
    }
    for (const url of [...others, '/escalations']) {
      const res = await agent.get(url);
      expect(res.status, url).toBeLessThan(500);
      expect(leaks(res), url).toEqual([]);
    }
    const page = await agent.get(`/customers/${patient.id}`);
    expect(page.text).toContain('Reveal medical details');
    expect(
      await db.prisma.auditEvent.count({
        where: { actorId: otherDoctor.id, action: { startsWith: 'medical' } },
      }),
    ).toBe(0);

    // Too short a reason: refused, form kept, nothing revealed.
    const short = await postForm(session, `/customers/${patient.id}/reveal`, { reason: 'because' });
    expect(short.status).toBe(422);
    expect(short.text).toContain('aria-invalid="true"');
    expect(leaks(short)).toEqual([]);
    expect(await db.prisma.medicalReveal.count({ where: { doctorId: otherDoctor.id } })).toBe(0);

    const reason = 'Covering for the assigned doctor today';
    await postForm(session, `/customers/${patient.id}/reveal`, { reason }).expect(303);
    const reveal = await db.prisma.auditEvent.findFirst({
      where: { actorId: otherDoctor.id, action: 'medical_reveal' },
    });
    expect(reveal?.reason).toBe(reason);
    expect(reveal?.customerId).toBe(patient.id);

    const after = await agent.get(`/customers/${patient.id}`).expect(200);
    for (const f of CUSTOMER_FIELDS) expect(after.text).toContain(marker(`cust-${f}`));
    const detail = await agent.get(`/consultations/${consultation.id}`).expect(200);
    expect(detail.text).toContain(marker('cons-diagnosis'));
    // A reveal does not let this doctor edit someone else's consultation notes.
    expect(detail.text).not.toContain('Save medical notes');
    const views = await db.prisma.auditEvent.findMany({
      where: { actorId: otherDoctor.id, action: 'medical_view' },
    });
    expect(views.length).toBe(2);
    expect(views.every((v) => v.reason === `reveal: ${reason}`)).toBe(true);
  });

  it('when a reveal has expired, then it no longer grants access', async () => {
    const late = await createUser(db, 'doctor');
    await db.prisma.medicalReveal.create({
      data: {
        doctorId: late.id,
        customerId: patient.id,
        reason: 'Old reason long ago',
        expiresAt: new Date(Date.now() - 1000),
      },
    });
    const { agent } = await signIn(app, late.email);
    const res = await agent.get(`/customers/${patient.id}`).expect(200);
    expect(leaks(res)).toEqual([]);
  });

  it('when an admin reads the audit page, then it lists the showings without values', async () => {
    // A reveal and the showing it allows, made here so the page has both whatever ran before.
    const covering = await signIn(app, (await createUser(db, 'doctor')).email);
    const reason = 'Covering for the assigned doctor today';
    await postForm(covering, `/customers/${patient.id}/reveal`, { reason }).expect(303);
    await covering.agent.get(`/customers/${patient.id}`).expect(200);
    const admin = await createUser(db, 'admin');
    const { agent } = await signIn(app, admin.email);
    const res = await agent.get(`/audit?customerId=${patient.id}`).expect(200);
    expect(res.text).toContain('medical_view');
    expect(res.text).toContain('medical_reveal');
    expect(res.text).toContain('Covering for the assigned doctor today');
    expect(leaks(res)).toEqual([]);
  });
});
