import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignDoctor } from '../../src/modules/consultations/assignment.js';
import {
  buildApp,
  createUser,
  csrfFrom,
  signIn,
  STRONG_PASSWORD,
  TEST_PASSWORD,
  postForm,
} from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeConsultation, makeCustomer } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
});
afterAll(async () => {
  await db.drop();
});

/** Signs in from a browser that identifies itself, as a second device would. */
async function signInFrom(email: string, userAgent: string, password = TEST_PASSWORD) {
  const agent = request.agent(app);
  const page = await agent.get('/login').set('User-Agent', userAgent);
  const visitor = { agent, csrf: csrfFrom(page.text) };
  await postForm(visitor, '/login', { email, password }).set('User-Agent', userAgent).expect(303);
  await agent.get('/').set('User-Agent', userAgent).expect(200);
  return agent;
}

describe('changing one’s own password', () => {
  it('when the current password is wrong or the new one weak, then nothing changes and the form says why', async () => {
    const user = await createUser(db, 'agent');
    const me = await signIn(app, user.email);
    const wrong = await postForm(me, '/account/password', {
      current: 'not my password',
      password: STRONG_PASSWORD,
      confirm: STRONG_PASSWORD,
    });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('current password is not right');
    const weak = await postForm(me, '/account/password', {
      current: TEST_PASSWORD,
      password: 'qwertyuiop123',
      confirm: 'qwertyuiop123',
    });
    expect(weak.status).toBe(422);
    expect(weak.text).toContain('too easy to guess');
    const differ = await postForm(me, '/account/password', {
      current: TEST_PASSWORD,
      password: STRONG_PASSWORD,
      confirm: STRONG_PASSWORD + 'x',
    });
    expect(differ.status).toBe(422);
    expect(differ.text).toContain('The two passwords differ');
    await signIn(app, user.email, TEST_PASSWORD);
  });

  it('when it succeeds, then every other session ends, this one stays, and only the new password signs in', async () => {
    const user = await createUser(db, 'supervisor');
    const me = await signIn(app, user.email);
    const laptop = await signInFrom(
      user.email,
      'Mozilla/5.0 (Windows NT 10.0) Chrome/140.0 Safari/537.36',
    );
    const res = await postForm(me, '/account/password', {
      current: TEST_PASSWORD,
      password: STRONG_PASSWORD,
      confirm: STRONG_PASSWORD,
    });
    expect(res.status).toBe(303);
    const page = (await me.agent.get('/account').expect(200)).text;
    expect(page).toContain('Your 1 other session was signed out.');
    await laptop.get('/tickets').expect(303).expect('location', '/login');
    await expect(signIn(app, user.email, TEST_PASSWORD)).rejects.toThrow();
    await signIn(app, user.email, STRONG_PASSWORD);
    const audit = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'password_changed', recordId: user.id },
    });
    expect(audit.actorId).toBe(user.id);
  });
});

describe('one’s own sessions', () => {
  it('when a person lists their sessions, then each shows device, IP and last seen, and one can be ended', async () => {
    const user = await createUser(db, 'doctor');
    const me = await signIn(app, user.email);
    const phone = await signInFrom(
      user.email,
      'Mozilla/5.0 (Linux; Android 15) Chrome/140.0 Mobile Safari/537.36',
    );
    const page = (await me.agent.get('/account').expect(200)).text;
    expect(page).toContain('Chrome on Android');
    expect(page).toContain('this browser');
    const handles = [...page.matchAll(/name="session" value="([0-9a-f]{32})"/g)].map((m) => m[1]);
    expect(handles).toHaveLength(2);
    // The other session is listed after this browser's.
    await postForm(me, '/account/sessions/end', { session: handles[1] }).expect(303);
    await phone.get('/').expect(303).expect('location', '/login');
    await me.agent.get('/account').expect(200);

    // A handle that is not one of one's own sessions ends nothing.
    const other = await createUser(db, 'agent');
    const theirs = await signIn(app, other.email);
    const theirHandle = /name="session" value="([0-9a-f]{32})"/.exec(
      (await theirs.agent.get('/account')).text,
    )![1];
    await postForm(me, '/account/sessions/end', { session: theirHandle }).expect(303);
    await theirs.agent.get('/').expect(200);
    await postForm(me, '/account/sessions/end', { session: 'not-a-handle' }).expect(422);
  });

  it('when a person signs out all other sessions, then only this browser remains signed in', async () => {
    const user = await createUser(db, 'agent');
    const me = await signIn(app, user.email);
    const others = [
      await signInFrom(user.email, 'Firefox/140.0'),
      await signInFrom(user.email, 'Safari/605.1'),
    ];
    await postForm(me, '/account/sessions/end-others').expect(303);
    for (const other of others) await other.get('/').expect(303);
    await me.agent.get('/').expect(200);
  });

  it('when a person ends this very session from the list, then they are signed out', async () => {
    const user = await createUser(db, 'agent');
    const me = await signIn(app, user.email);
    const handle = /name="session" value="([0-9a-f]{32})"/.exec(
      (await me.agent.get('/account')).text,
    )![1];
    await postForm(me, '/account/sessions/end', { session: handle })
      .expect(303)
      .expect('location', '/login');
    await me.agent.get('/').expect(303).expect('location', '/login');
  });
});

describe('doctor availability', () => {
  it('when a doctor sets themselves away, then automatic assignment no longer picks them', async () => {
    await db.prisma.doctorProfile.updateMany({ data: { available: false } });
    const [first, second] = [await createUser(db, 'doctor'), await createUser(db, 'doctor')];
    await db.prisma.doctorProfile.update({
      where: { userId: second.id },
      data: { available: false },
    });
    const agent = await createUser(db, 'agent');
    const customer = await makeCustomer(db);
    const before = await makeConsultation(db, customer.id, { doctorId: null });
    expect(
      await assignDoctor(db.prisma, agent, {
        id: before.id,
        doctor: 'auto',
        version: before.version,
      }),
    ).toBe(first.id);

    const doctor = await signIn(app, first.email);
    await postForm(doctor, '/account/availability', { available: '0' }).expect(303);
    expect((await doctor.agent.get('/account')).text).toContain('You are away');
    await db.prisma.doctorProfile.update({
      where: { userId: second.id },
      data: { available: true },
    });
    const after = await makeConsultation(db, customer.id, { doctorId: null });
    expect(
      await assignDoctor(db.prisma, agent, {
        id: after.id,
        doctor: 'auto',
        version: after.version,
      }),
    ).toBe(second.id);

    // An admin can set them back; the change is in the account's history.
    const admin = await signIn(app, (await createUser(db, 'admin')).email);
    await postForm(admin, `/staff/${first.id}/availability`, { available: '1' }).expect(303);
    expect(
      (await db.prisma.doctorProfile.findUniqueOrThrow({ where: { userId: first.id } })).available,
    ).toBe(true);
    const history = (await admin.agent.get(`/staff/${first.id}`).expect(200)).text;
    expect(history).toMatch(/availability:\s*available → <strong>away<\/strong>/);
  });

  it('when someone other than a doctor posts availability, then it is refused', async () => {
    const agent = await signIn(app, (await createUser(db, 'agent')).email);
    await postForm(agent, '/account/availability', { available: '0' }).expect(403);
  });
});
