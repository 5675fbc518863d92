import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, postForm, signIn, type SignedIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
let agent: SignedIn;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  agent = await signIn(app, (await createUser(db, 'agent', { name: 'Tola Desk' })).email);
});
afterAll(async () => {
  await db.drop();
});

const save = (session: SignedIn, id: number, body: Record<string, string>) =>
  postForm(session, `/customers/${id}/contact`, body);

describe('contact corrections', () => {
  it('when an agent corrects phone, email and address, then the phone is stored in E.164 and the profile shows the history', async () => {
    const c = await makeCustomer(db);
    const email = `fixed.${Date.now()}@example.test`;
    await save(agent, c.id, {
      phone: '0803 555 0142',
      email: email.toUpperCase(),
      address: '12 Marina Road, Lagos',
      version: String(c.version),
    }).expect(303);
    const after = await db.prisma.customer.findUniqueOrThrow({ where: { id: c.id } });
    expect([after.phone, after.phoneDigits, after.email, after.address, after.version]).toEqual([
      '+2348035550142',
      '2348035550142',
      email,
      '12 Marina Road, Lagos',
      c.version + 1,
    ]);
    const profile = (await agent.agent.get(`/customers/${c.id}`).expect(200)).text;
    expect(profile).toContain('Contact corrections');
    expect(profile).toContain(`phone: ${c.phone} &rarr; <strong>+2348035550142</strong>`);
    expect(profile).toMatch(/by Tola Desk/);
    const audit = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'contact_corrected', customerId: c.id },
    });
    expect(audit.fieldGroup).toBe('phone,email,address');
    expect(JSON.stringify(audit, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(
      '2348035550142',
    );
    // The corrected number is what search finds.
    expect((await agent.agent.get('/customers?q=8035550142').expect(200)).text).toContain(
      c.fullName,
    );
  });

  it('when the phone is not a real number or the email is malformed, then the form comes back with the input and nothing changes', async () => {
    const c = await makeCustomer(db);
    const res = await save(agent, c.id, {
      phone: '12345',
      email: 'not-an-email',
      address: 'Somewhere',
      version: String(c.version),
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('not a valid phone number');
    expect(res.text).toContain('value="12345"');
    expect(res.text).toContain('value="not-an-email"');
    expect((await db.prisma.customer.findUniqueOrThrow({ where: { id: c.id } })).version).toBe(
      c.version,
    );
  });

  it('when another customer has the email, then it is refused with a clear message', async () => {
    const [c, other] = [await makeCustomer(db), await makeCustomer(db)];
    const res = await save(agent, c.id, {
      phone: '+44 20 7946 0958',
      email: other.email,
      address: '',
      version: String(c.version),
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Another customer already has this email.');
  });

  it('when someone corrected the details meanwhile, then a 409 shows both versions and nothing is overwritten', async () => {
    const c = await makeCustomer(db);
    const supervisor = await signIn(app, (await createUser(db, 'supervisor')).email);
    await save(supervisor, c.id, {
      phone: '+2348030000001',
      email: c.email,
      address: 'First fix',
      version: String(c.version),
    }).expect(303);
    const res = await save(agent, c.id, {
      phone: '+2348030000002',
      email: c.email,
      address: 'Second fix',
      version: String(c.version),
    });
    expect(res.status).toBe(409);
    expect(res.text).toContain('Someone corrected these details');
    expect(res.text).toContain('First fix');
    expect(res.text).toContain('Second fix');
    expect((await db.prisma.customer.findUniqueOrThrow({ where: { id: c.id } })).address).toBe(
      'First fix',
    );
  });

  it('when a doctor tries to correct contact details, then it is refused', async () => {
    const c = await makeCustomer(db);
    const doctor = await signIn(app, (await createUser(db, 'doctor')).email);
    await doctor.agent.get(`/customers/${c.id}/contact`).expect(403);
    await save(doctor, c.id, {
      phone: '+2348030000003',
      email: c.email,
      address: '',
      version: String(c.version),
    }).expect(403);
  });
});
