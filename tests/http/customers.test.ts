import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { makeConsultation, makeCustomer } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
});

let olas = 0;
/** A customer with a known phone and email, for the links and searches to find. */
function makeOla(email = `ola.profile${(olas += 1)}@example.test`) {
  return makeCustomer(db, {
    firstName: 'Ola',
    lastName: 'Profile',
    phone: '+234 809 111 2222',
    email,
    dateOfBirth: new Date('1985-02-10'),
  });
}
afterAll(async () => {
  await db.drop();
});

describe('customers list', () => {
  it('when any role searches with bad parameters, then the list shows and ignores them', async () => {
    await makeOla();
    for (const role of ['agent', 'supervisor', 'admin', 'doctor'] as const) {
      const u = await createUser(db, role);
      const { agent } = await signIn(app, u.email);
      const res = await agent.get('/customers?q=1112&activity=bogus&sort=x&page=abc').expect(200);
      expect(res.text).toContain('Ola Profile');
      expect((await agent.get('/customers?q=nobody-like-this').expect(200)).text).toContain(
        'class="empty"',
      );
      for (const bad of [
        'q[]=a',
        'q=%00%27%22%5C%25_',
        'page=999999999',
        'q=CNS-00000000',
        'q=tkt-zzzzzzzz',
        `q=${'9'.repeat(3000)}`,
      ])
        await agent.get(`/customers?${bad}`).expect(200);
    }
  });
});

describe('customer profile', () => {
  it('when staff open a profile, then it shows contact links, age, account, aggregates and a timeline linking onward', async () => {
    const customer = await makeOla('ola.profile@example.test');
    const c = await makeConsultation(db, customer.id);
    await db.prisma.payment.create({
      data: {
        reference: 'PAY-HTTP0001',
        customerId: customer.id,
        consultationId: c.id,
        amountMinor: 123456,
        status: 'paid',
        paidAt: new Date(),
      },
    });
    const u = await createUser(db, 'agent');
    const { agent } = await signIn(app, u.email);
    const res = await agent.get(`/customers/${customer.id}`).expect(200);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(res.text).toContain('https://wa.me/2348091112222');
    expect(res.text).toContain('tel:+2348091112222');
    expect(res.text).toContain('mailto:ola.profile@example.test');
    expect(res.text).toContain(`/interactions/new?customerId=${customer.id}`);
    expect(res.text).toContain('Start interaction');
    expect(res.text).toContain('NGN 1,234.56');
    expect(res.text).toContain(`/consultations/${c.id}`);
    expect(res.text).toContain('Not recorded');
  });

  it('when staff open a profile, then each medical field says whether it holds something, per field', async () => {
    const customer = await makeOla();
    const { agent } = await signIn(app, (await createUser(db, 'supervisor')).email);
    const facts = async () => {
      const page = (await agent.get(`/customers/${customer.id}`).expect(200)).text;
      return [...page.matchAll(/<dt>([^<]+)<\/dt><dd class="withheld">([^<]+)<\/dd>/g)]
        .map((m) => `${m[1]}: ${m[2]}`)
        .slice(0, 3);
    };
    expect(await facts()).toEqual([
      'Blood group: Not recorded',
      'Genotype: Not recorded',
      'Allergies: Not recorded',
    ]);
    await db.prisma.customerMedical.create({
      data: { customerId: customer.id, bloodGroup: 'O+', genotype: '  ', allergies: 'Penicillin' },
    });
    expect(await facts()).toEqual([
      'Blood group: Recorded',
      'Genotype: Not recorded',
      'Allergies: Recorded',
    ]);
  });

  it('when the id in the path is not a customer, then it is 404; a reveal by staff is 403', async () => {
    const customer = await makeOla();
    const u = await createUser(db, 'supervisor');
    const session = await signIn(app, u.email);
    const { agent } = session;
    for (const url of [
      '/customers/abc',
      '/customers/0',
      '/customers/99999999999',
      '/customers/424242',
    ])
      await agent.get(url).expect(404);
    const d = await createUser(db, 'doctor');
    const doc = await signIn(app, d.email);
    await postForm(doc, '/customers/abc/reveal', { reason: 'long enough reason' }).expect(404);
    await postForm(doc, '/customers/424242/reveal', { reason: 'long enough reason' }).expect(404);
    await postForm(session, `/customers/${customer.id}/reveal`, {
      reason: 'long enough reason',
    }).expect(403);
  });

  it('when a doctor reveals medical details, then they are sent back to a consultation page only', async () => {
    const customer = await makeOla();
    const d = await createUser(db, 'doctor');
    const session = await signIn(app, d.email);
    const ok = await postForm(session, `/customers/${customer.id}/reveal`, {
      reason: 'Reviewing a complaint',
      returnTo: '/consultations/12',
    }).expect(303);
    expect(ok.headers.location).toBe('/consultations/12');
    const evil = await postForm(session, `/customers/${customer.id}/reveal`, {
      reason: 'Reviewing a complaint',
      returnTo: 'https://evil.test/',
    }).expect(303);
    expect(evil.headers.location).toBe(`/customers/${customer.id}`);
    const reveal = await db.prisma.medicalReveal.findFirstOrThrow({ where: { doctorId: d.id } });
    const minutes = (reveal.expiresAt.getTime() - reveal.createdAt.getTime()) / 60_000;
    expect(Math.round(minutes)).toBe(60);
  });
});
