import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { makeConsultation, makeCustomer } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
let doctor: { id: number; email: string };
let customer: { id: number; fullName: string };

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  doctor = await createUser(db, 'doctor');
  customer = await makeCustomer(db, { firstName: 'Http', lastName: 'Patient' });
});
afterAll(async () => {
  await db.drop();
});

const uuid = () => crypto.randomUUID();

describe('list and export', () => {
  it('when any role opens the list with bad filters, then it shows and ignores them; only staff may export', async () => {
    await makeConsultation(db, customer.id, { doctorId: doctor.id });
    for (const role of ['agent', 'supervisor', 'admin', 'doctor'] as const) {
      const u = role === 'doctor' ? doctor : await createUser(db, role);
      const { agent } = await signIn(app, u.email);
      const res = await agent
        .get('/consultations?status=nope&doctorId=abc&from=2026-99-99&after=zzz&mode[]=x&page=-3')
        .expect(200);
      expect(res.text).toContain('Consultations');
      await agent.get('/consultations/export.csv').expect(role === 'doctor' ? 403 : 200);
      for (const bad of [
        'from=2026-02-31&to=0000-01-01',
        'after=0000-01-01T00:00:00.000Z_1',
        'after=2026-01-01T00:00:00.000Z_99999999999',
        'q[]=a&status[]=pending',
        'q=%00%27%22%5C%25_',
        `q=${'x'.repeat(5000)}`,
      ]) {
        await agent.get(`/consultations?${bad}`).expect(200);
      }
    }
  });

  it('when a doctor opens the list, then it shows the consultations assigned to them until "mine" is unticked', async () => {
    const me = await createUser(db, 'doctor');
    const patient = await makeCustomer(db, { firstName: 'Mine', lastName: 'Assigned' });
    await makeConsultation(db, patient.id, { doctorId: me.id });
    const other = await makeCustomer(db, { firstName: 'Else', lastName: 'Where' });
    await makeConsultation(db, other.id);
    const { agent } = await signIn(app, me.email);
    const mine = await agent.get('/consultations').expect(200);
    expect(mine.text).not.toContain('Else Where');
    expect(mine.text).toContain('Mine Assigned');
    const all = await agent.get('/consultations?f=1&mine=0').expect(200);
    expect(all.text).toContain('Else Where');
  });

  it('when staff export a filtered list, then the CSV has the same filters, escaped cells and neutralised formulas', async () => {
    const evil = await makeCustomer(db, { firstName: '=HYPERLINK("x")', lastName: 'Smith, "Jr"' });
    await makeConsultation(db, evil.id);
    const u = await createUser(db, 'agent');
    const { agent } = await signIn(app, u.email);
    const res = await agent.get('/consultations/export.csv?q=Smith').expect(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['cache-control']).toContain('no-store');
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'reference,created_at,status,mode,payment_model,payment_status,amount,currency,scheduled_for,customer_id,patient,doctor',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""x"") Smith, ""Jr"""`);
  });
});

describe('create', () => {
  it('when the booking form is invalid, then it comes back with 422, field errors and the input kept', async () => {
    const u = await createUser(db, 'agent');
    const session = await signIn(app, u.email);
    const { agent } = session;
    const form = await agent.get(`/consultations/new?customerId=${customer.id}`).expect(200);
    expect(form.text).toContain('name="idempotencyKey"');
    const res = await postForm(session, '/consultations', {
      customerId: String(customer.id),
      mode: 'video',
      paymentModel: 'pay_first',
      amount: '12.345',
      idempotencyKey: uuid(),
    }).expect(422);
    expect(res.text).toContain('aria-describedby="amount-error"');
    expect(res.text).toContain('paymentConfirmation-error');
    expect(res.text).toContain('value="12.345"');
    const nul = await postForm(session, '/consultations', {
      customerId: String(customer.id),
      mode: 'video',
      paymentModel: 'pay_first',
      amount: '100',
      paymentConfirmation: 'GW\u0000-77777',
      idempotencyKey: uuid(),
    }).expect(303);
    expect(nul.headers.location).toMatch(/^\/consultations\/\d+$/);
    const missing = await postForm(session, '/consultations', {
      customerId: '99999999',
      mode: 'video',
      paymentModel: 'pay_later',
      amount: '100',
      idempotencyKey: uuid(),
    }).expect(422);
    expect(missing.text).toContain('No customer with that number');
  });

  it('when one booking form is sent twice, then one consultation is booked and its page links onward', async () => {
    const u = await createUser(db, 'agent');
    const session = await signIn(app, u.email);
    const { agent } = session;
    const key = uuid();
    const body = {
      customerId: String(customer.id),
      mode: 'chat',
      paymentModel: 'pay_first',
      amount: '7500',
      paymentConfirmation: 'GW-123456',
      doctor: String(doctor.id),
      idempotencyKey: key,
    };
    const first = await postForm(session, '/consultations', body).expect(303);
    const second = await postForm(session, '/consultations', body).expect(303);
    expect(second.headers.location).toBe(first.headers.location);
    const page = await agent.get(first.headers.location).expect(200);
    expect(page.text).toContain('/tickets/new?consultationId=');
    expect(page.text).toContain('/escalations/new?consultationId=');
    expect(page.text).toContain('Raise a ticket');
    expect(page.text).toContain(`/customers/${customer.id}`);
    expect(page.text).toContain('NGN 7,500.00');
    expect(page.headers['cache-control']).toContain('no-store');
    expect(await db.prisma.consultation.count({ where: { idempotencyKey: key } })).toBe(1);
  });

  it('when a doctor opens or posts the booking form, then it is refused', async () => {
    const session = await signIn(app, doctor.email);
    const { agent } = session;
    await agent.get('/consultations/new').expect(403);
    await postForm(session, '/consultations', {
      customerId: String(customer.id),
      mode: 'chat',
      paymentModel: 'pay_later',
      amount: '1',
    }).expect(403);
  });
});

describe('detail and actions', () => {
  it('when the id in the path is not a consultation, then it is 404, never 500', async () => {
    const u = await createUser(db, 'agent');
    const session = await signIn(app, u.email);
    const { agent } = session;
    for (const url of [
      '/consultations/abc',
      '/consultations/0',
      '/consultations/-1',
      '/consultations/99999999999',
      '/consultations/1.5',
      '/consultations/99999999',
    ]) {
      await agent.get(url).expect(404);
    }
    await postForm(session, '/consultations/abc/status', { to: 'scheduled', version: '1' }).expect(
      404,
    );
    await postForm(session, '/consultations/99999999/assign', {
      doctor: 'auto',
      version: '1',
    }).expect(404);
  });

  it('when staff walk a consultation through its lifecycle, then illegal moves get 422 and stale ones 409', async () => {
    const u = await createUser(db, 'agent');
    const session = await signIn(app, u.email);
    const { agent } = session;
    const c = await makeConsultation(db, customer.id);
    await postForm(session, `/consultations/${c.id}/status`, {
      to: 'completed',
      version: '1',
    }).expect(422);
    await postForm(session, `/consultations/${c.id}/status`, { to: 'bogus', version: 'x' }).expect(
      422,
    );
    await postForm(session, `/consultations/${c.id}/assign`, {
      doctor: 'auto',
      version: '1',
    }).expect(303);
    await postForm(session, `/consultations/${c.id}/status`, {
      to: 'scheduled',
      version: '1',
    }).expect(409);
    await postForm(session, `/consultations/${c.id}/status`, {
      to: 'scheduled',
      version: '2',
      scheduledFor: '2026-12-01T10:00',
    }).expect(303);
    await postForm(session, `/consultations/${c.id}/status`, {
      to: 'completed',
      version: '3',
    }).expect(303);
    await postForm(session, `/consultations/${c.id}/request-payment`, { version: '4' }).expect(303);
    await postForm(session, `/consultations/${c.id}/mark-paid`, { version: '5' }).expect(303);
    const page = await agent.get(`/consultations/${c.id}`).expect(200);
    expect(page.text).toContain('pending → scheduled');
    expect(page.text).toMatch(/payment status: pending → paid/);
    const row = await db.prisma.consultation.findUniqueOrThrow({ where: { id: c.id } });
    expect([row.status, row.paymentStatus]).toEqual(['completed', 'paid']);
  });

  it('when the assigned doctor saves medical notes over a newer edit, then a 409 page shows both versions', async () => {
    const c = await makeConsultation(db, customer.id, { doctorId: doctor.id, status: 'scheduled' });
    const session = await signIn(app, doctor.email);
    const { agent } = session;
    const page = await agent.get(`/consultations/${c.id}`).expect(200);
    expect(page.text).toContain('Save medical notes');
    await postForm(session, `/consultations/${c.id}/medical`, {
      version: '0',
      diagnosis: 'First diagnosis',
    }).expect(303);
    await postForm(session, `/consultations/${c.id}/medical`, {
      version: '1',
      diagnosis: 'Second diagnosis',
    }).expect(303);
    const stale = await postForm(session, `/consultations/${c.id}/medical`, {
      version: '1',
      diagnosis: 'My stale diagnosis',
    }).expect(409);
    expect(stale.text).toContain('Second diagnosis');
    expect(stale.text).toContain('My stale diagnosis');
    expect(stale.text).toContain('name="version" value="2"');
    const saved = await db.prisma.consultationMedical.findUniqueOrThrow({
      where: { consultationId: c.id },
    });
    expect(saved.diagnosis).toBe('Second diagnosis');
    const updates = await db.prisma.auditEvent.findMany({
      where: { actorId: doctor.id, action: 'medical_update' },
    });
    expect(updates).toHaveLength(2);
    expect(
      updates.every((e) => e.reason === 'assigned' && e.fieldGroup === 'consultation_medical'),
    ).toBe(true);
    // Another doctor may not write.
    const other = await createUser(db, 'doctor');
    const o = await signIn(app, other.email);
    await postForm(o, `/consultations/${c.id}/medical`, { version: '2', diagnosis: 'x' }).expect(
      403,
    );
  });

  it('when a doctor tries a customer-care action, then it is refused, yet they may schedule their own consultation', async () => {
    const c = await makeConsultation(db, customer.id, { doctorId: doctor.id });
    const session = await signIn(app, doctor.email);
    await postForm(session, `/consultations/${c.id}/assign`, {
      doctor: 'auto',
      version: '1',
    }).expect(403);
    await postForm(session, `/consultations/${c.id}/mark-paid`, { version: '1' }).expect(403);
    // The assigned doctor may schedule their own consultation.
    await postForm(session, `/consultations/${c.id}/status`, {
      to: 'scheduled',
      version: '1',
    }).expect(303);
  });
});
