import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentCode, hashRecoveryCode } from '../../src/auth/two-factor.js';
import {
  buildApp,
  createUser,
  csrfFrom,
  postForm,
  signIn,
  TEST_PASSWORD,
  type SignedIn,
} from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let app: Express;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db, { LOGIN_MAX_FAILURES: '3' });
});
afterAll(async () => {
  await db.drop();
});

type Browser = ReturnType<typeof request.agent>;

/** Enrols through the pages, as a person would; returns the secret and the recovery codes shown. */
async function enrol(session: SignedIn) {
  const page = (await session.agent.get('/account/two-factor').expect(200)).text;
  expect(page).toMatch(/<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
  const secret = /name="secret" value="([A-Z2-7]{32})"/.exec(page)![1];
  const wrong = await postForm(session, '/account/two-factor', { secret, code: 'abc123' }).expect(
    422,
  );
  expect(wrong.text).toContain(`value="${secret}"`);
  const res = await postForm(session, '/account/two-factor', {
    secret,
    code: currentCode(secret),
  }).expect(200);
  const codes = [...res.text.matchAll(/<code>([A-Z0-9-]{14})<\/code>/g)].map((m) => m[1]);
  return { secret, codes };
}

/** Password step; the browser then waits at the second step. */
async function passwordStep(email: string): Promise<Browser> {
  const browser = request.agent(app);
  const page = await browser.get('/login');
  await postForm({ agent: browser, csrf: csrfFrom(page.text) }, '/login', {
    email,
    password: TEST_PASSWORD,
  })
    .expect(303)
    .expect('location', '/login/two-factor');
  return browser;
}

async function secondStep(browser: Browser, code: string) {
  const page = await browser.get('/login/two-factor').expect(200);
  return postForm({ agent: browser, csrf: csrfFrom(page.text) }, '/login/two-factor', { code });
}

describe('enrolment', () => {
  it('when a person confirms with a first code, then two-factor is on and ten recovery codes are shown once, stored as hashes', async () => {
    const user = await createUser(db, 'agent');
    const me = await signIn(app, user.email);
    const { secret, codes } = await enrol(me);
    expect(codes).toHaveLength(10);
    const row = await db.prisma.user.findUniqueOrThrow({
      where: { id: user.id },
      include: { recoveryCodes: true },
    });
    expect(row.totpSecret).toBe(secret);
    expect(row.totpEnabledAt).not.toBeNull();
    expect(row.recoveryCodes.map((c) => c.codeHash).sort()).toEqual(
      codes.map(hashRecoveryCode).sort(),
    );
    expect(JSON.stringify(row.recoveryCodes)).not.toContain(codes[0]);
    const status = (await me.agent.get('/account/two-factor').expect(200)).text;
    expect(status).toContain('Recovery codes left: <strong>10</strong>');
    expect(status).not.toContain(codes[0]);
  });
});

describe('signing in with a second factor', () => {
  it('when the password is right, then nothing is open until a valid code; a wrong code and a reused code are refused', async () => {
    const user = await createUser(db, 'doctor');
    const { secret } = await enrol(await signIn(app, user.email));
    await db.prisma.user.update({ where: { id: user.id }, data: { totpLastStep: null } });

    const browser = await passwordStep(user.email);
    await browser.get('/consultations').expect(303).expect('location', '/login');
    const code = currentCode(secret);
    const wrong = String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
    expect((await secondStep(browser, wrong)).status).toBe(401);
    const ok = await secondStep(browser, code);
    expect(ok.status).toBe(303);
    await browser.get('/consultations').expect(200);

    // The same code again, from another browser that knows the password: refused.
    const replay = await passwordStep(user.email);
    const again = await secondStep(replay, code);
    expect(again.status).toBe(401);
    await replay.get('/consultations').expect(303).expect('location', '/login');
    const audit = await db.prisma.auditEvent.findMany({
      where: { recordId: user.id, action: 'two_factor_failed' },
    });
    expect(audit).toHaveLength(2);
  });

  it('when a code has expired, then it is refused', async () => {
    const user = await createUser(db, 'agent');
    const { secret } = await enrol(await signIn(app, user.email));
    await db.prisma.user.update({ where: { id: user.id }, data: { totpLastStep: null } });
    const old = currentCode(secret, Date.now() - 5 * 60_000);
    const fresh = [-30_000, 0, 30_000, 60_000].map((d) => currentCode(secret, Date.now() + d));
    if (fresh.includes(old)) return; // one chance in ~250,000: the old code is also a current one
    const browser = await passwordStep(user.email);
    expect((await secondStep(browser, old)).status).toBe(401);
  });

  it('when a recovery code is used, then it works once and the count goes down', async () => {
    const user = await createUser(db, 'supervisor');
    const { codes } = await enrol(await signIn(app, user.email));
    const first = await passwordStep(user.email);
    expect((await secondStep(first, codes[3].toLowerCase())).status).toBe(303);
    expect((await first.get('/account/two-factor').expect(200)).text).toContain(
      'Recovery codes left: <strong>9</strong>',
    );
    const second = await passwordStep(user.email);
    expect((await secondStep(second, codes[3])).status).toBe(401);
  });

  it('when wrong codes keep coming, then the second step locks, even for the right code', async () => {
    const user = await createUser(db, 'agent');
    const { secret } = await enrol(await signIn(app, user.email));
    await db.prisma.user.update({ where: { id: user.id }, data: { totpLastStep: null } });
    const browser = await passwordStep(user.email);
    const right = currentCode(secret);
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 3; i++) expect((await secondStep(browser, wrong)).status).toBe(401);
    const locked = await secondStep(browser, right);
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('Too many wrong codes');
    await browser.get('/tickets').expect(303).expect('location', '/login');
  });

  it('when there is no password step in progress, then the second step sends the visitor back to sign in', async () => {
    const browser = request.agent(app);
    await browser.get('/login/two-factor').expect(303).expect('location', '/login');
    const visitor = { agent: browser, csrf: csrfFrom((await browser.get('/login')).text) };
    await postForm(visitor, '/login/two-factor', { code: '123456' })
      .expect(303)
      .expect('location', '/login');
  });
});

describe('required roles', () => {
  it('when an admin without two-factor signs in where it is required, then only enrolment is open until it is on', async () => {
    const strict = buildApp(db, { MFA_REQUIRED_ROLES: 'admin,doctor' });
    const user = await createUser(db, 'admin');
    const browser = request.agent(strict);
    const login = await browser.get('/login');
    const visitor = { agent: browser, csrf: csrfFrom(login.text) };
    await postForm(visitor, '/login', { email: user.email, password: TEST_PASSWORD }).expect(303);
    await browser.get('/').expect(303).expect('location', '/account/two-factor');
    const me = { agent: browser, csrf: csrfFrom((await browser.get('/account/two-factor')).text) };
    await me.agent.get('/audit').expect(303).expect('location', '/account/two-factor');
    await postForm(me, '/staff', { name: 'X', email: 'x@staff.test', role: 'agent' }).expect(403);
    const page = (await me.agent.get('/account/two-factor').expect(200)).text;
    expect(page).toContain('requires two-factor');
    const secret = /name="secret" value="([A-Z2-7]{32})"/.exec(page)![1];
    await postForm(me, '/account/two-factor', { secret, code: currentCode(secret) }).expect(200);
    await me.agent.get('/audit').expect(200);
    const removal = await postForm(me, '/account/two-factor/remove', { password: TEST_PASSWORD });
    expect(removal.status).toBe(422);
    expect(
      (await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).totpEnabledAt,
    ).not.toBeNull();
  });

  it('when two-factor is optional, then the password turns it off and a wrong one does not', async () => {
    const user = await createUser(db, 'agent');
    const me = await signIn(app, user.email);
    await enrol(me);
    await postForm(me, '/account/two-factor/remove', { password: 'wrong password' }).expect(422);
    await postForm(me, '/account/two-factor/remove', { password: TEST_PASSWORD }).expect(303);
    const row = await db.prisma.user.findUniqueOrThrow({
      where: { id: user.id },
      include: { recoveryCodes: true },
    });
    expect([row.totpSecret, row.totpEnabledAt, row.recoveryCodes.length]).toEqual([null, null, 0]);
    await signIn(app, user.email);
  });
});
