import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Express } from 'express';
import { SESSION_COOKIE } from '../../src/app.js';
import { makeCustomer, makeTicket } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, csrfFrom, postForm, signIn, TEST_PASSWORD } from '../support/app.js';

let db: TestDatabase;
let app: Express;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db, { LOGIN_MAX_FAILURES: '3' });
});
afterAll(async () => {
  await db.drop();
});

function sessionId(setCookie: string[] | string | undefined): string | undefined {
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const cookie = cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return cookie?.split(';')[0].split('=')[1];
}

describe('health', () => {
  it('when the database answers, then the health check answers ok', async () => {
    const res = await request(app).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('sign-in', () => {
  it('when the password is right, then sign-in rotates the session id and shows the home page with live counts', async () => {
    const user = await createUser(db, 'agent', { name: 'Home Agent' });
    const customer = await makeCustomer(db);
    await makeTicket(db, customer.id, user.id, null);

    const agent = request.agent(app);
    const page = await agent.get('/login').expect(200);
    const before = sessionId(page.headers['set-cookie']);
    expect(before).toBeDefined();
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: user.email, password: TEST_PASSWORD })
      .expect(303);
    expect(res.headers.location).toBe('/');
    const after = sessionId(res.headers['set-cookie']);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);

    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Home Agent');
    expect(home.text).toMatch(/data-count="open-tickets">1</);
  });

  it('when the email is unknown or the password wrong, then the message is the same', async () => {
    const user = await createUser(db, 'agent');
    const attempt = async (email: string, password: string) => {
      const agent = request.agent(app);
      const page = await agent.get('/login');
      return agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), email, password });
    };
    const unknown = await attempt('nobody@caredesk.test', 'whatever');
    const wrong = await attempt(user.email, 'wrong-password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const message = (html: string) => /<p class="form-error"[^>]*>([^<]*)</.exec(html)?.[1];
    expect(message(unknown.text)).toBe(message(wrong.text));
    expect(wrong.text).toContain(`value="${user.email}"`);
  });

  it('when sign-in fails repeatedly, then the account+IP is locked, counted in the database', async () => {
    const user = await createUser(db, 'agent');
    const agent = request.agent(app);
    for (let i = 0; i < 3; i++) {
      const page = await agent.get('/login');
      await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), email: user.email, password: 'nope' })
        .expect(401);
    }
    const row = await db.prisma.loginThrottle.findFirst({
      where: { key: { startsWith: user.email } },
    });
    expect(row?.failures).toBe(3);
    expect(row?.lockedUntil).not.toBeNull();
    const page = await agent.get('/login');
    const locked = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: user.email, password: TEST_PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('Too many failed attempts');
  });

  it('when the account is disabled, then sign-in is refused', async () => {
    const user = await createUser(db, 'agent', { active: false });
    const agent = request.agent(app);
    const page = await agent.get('/login');
    await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: user.email, password: TEST_PASSWORD })
      .expect(401);
  });

  it('when a user signs out, then the session is destroyed server-side', async () => {
    const user = await createUser(db, 'supervisor');
    const session = await signIn(app, user.email);
    const sessionsBefore = await db.prisma.session.count();
    await postForm(session, '/logout').expect(303);
    expect(await db.prisma.session.count()).toBe(sessionsBefore - 1);
    await session.agent.get('/').expect(303).expect('location', '/login');
  });

  it('when a user is disabled, then their sessions end', async () => {
    const user = await createUser(db, 'agent');
    const { agent } = await signIn(app, user.email);
    await agent.get('/').expect(200);
    await db.prisma.user.update({ where: { id: user.id }, data: { active: false } });
    await agent.get('/').expect(303);
  });
});

describe('CSRF', () => {
  it('when a post has no token, a stale token or comes from another site, then it is refused', async () => {
    const user = await createUser(db, 'agent');
    const { agent, csrf } = await signIn(app, user.email);
    const missing = await agent.post('/logout').type('form').send({}).expect(403);
    // The refusal is raised before the page chrome is prepared; it still gets the app's own page.
    expect(missing.text).toContain('<h1>Not allowed</h1>');
    await agent.post('/logout').type('form').send({ _csrf: 'stale-token' }).expect(403);
    await agent
      .post('/logout')
      .set('Sec-Fetch-Site', 'cross-site')
      .type('form')
      .send({ _csrf: csrf })
      .expect(403);
    await agent.get('/').expect(200);
  });
});

describe('module routes behind sign-in and role guards', () => {
  const routes = [
    '/consultations',
    '/interactions',
    '/tickets',
    '/escalations',
    '/customers',
    '/metrics',
    '/audit',
  ];
  const allowed: Record<string, string[]> = {
    agent: ['/consultations', '/interactions', '/tickets', '/escalations', '/customers'],
    supervisor: [
      '/consultations',
      '/interactions',
      '/tickets',
      '/escalations',
      '/customers',
      '/metrics',
    ],
    admin: routes,
    doctor: ['/consultations', '/escalations', '/customers'],
  };

  it('when an anonymous visitor opens a module, then they are sent to sign-in', async () => {
    for (const route of routes) {
      const res = await request(app).get(route);
      expect(res.status, route).toBe(303);
      expect(res.headers.location).toBe('/login');
    }
  });

  for (const role of ['agent', 'supervisor', 'admin', 'doctor'] as const) {
    it(`when ${role} signs in, then exactly the modules of the role are open`, async () => {
      const user = await createUser(db, role);
      const { agent } = await signIn(app, user.email);
      for (const route of routes) {
        const res = await agent.get(route);
        expect(res.status, `${role} ${route}`).toBe(allowed[role].includes(route) ? 200 : 403);
      }
      const home = await agent.get('/');
      for (const route of routes)
        expect(home.text.includes(`href="${route}"`), `${role} nav ${route}`).toBe(
          allowed[role].includes(route),
        );
    });
  }
});

describe('errors and headers', () => {
  it('when a route is unknown, then a 404 page shows and no stack trace', async () => {
    const user = await createUser(db, 'agent');
    const { agent } = await signIn(app, user.email);
    const res = await agent.get('/no/such/page').expect(404);
    expect(res.text).toContain('Not found');
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('when a body is malformed, then the answer is a 4xx page, not a 500', async () => {
    const res = await request(app)
      .post('/login')
      .set('Content-Type', 'application/json')
      .send('{"email":');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('when a page is served, then it carries a CSP without inline scripts and an httpOnly, SameSite session cookie', async () => {
    const res = await request(app).get('/login');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
  });
});

describe('idle sessions', () => {
  it('when a session has been idle past its expiry, then it has expired', async () => {
    const user = await createUser(db, 'agent');
    const { agent } = await signIn(app, user.email);
    await agent.get('/').expect(200);
    await db.pool.query(
      `UPDATE session SET expire = now() - interval '1 second' WHERE sess->'passport'->>'user' = $1`,
      [String(user.id)],
    );
    await agent.get('/').expect(303).expect('location', '/login');
  });
});

describe('session renewal', () => {
  it('when pages follow within the minute, then the cookie is not sent again; after it, it is, with a later expiry', async () => {
    const user = await createUser(db, 'agent');
    const { agent } = await signIn(app, user.email);
    await agent.get('/').expect(200);
    const within = await agent.get('/tickets').expect(200);
    expect(within.headers['set-cookie']).toBeUndefined();
    const expiry = async () =>
      (
        await db.pool.query<{ expire: Date }>(
          `SELECT expire FROM session WHERE sess->'passport'->>'user' = $1`,
          [String(user.id)],
        )
      ).rows[0].expire.getTime();
    const before = await expiry();
    await db.pool.query(
      `UPDATE session SET sess = jsonb_set(sess::jsonb, '{renewedAt}', '0')::json,
                          expire = expire - interval '5 minutes'
        WHERE sess->'passport'->>'user' = $1`,
      [String(user.id)],
    );
    const after = await agent.get('/tickets').expect(200);
    expect(String(after.headers['set-cookie'])).toContain(SESSION_COOKIE);
    expect(await expiry()).toBeGreaterThanOrEqual(before);
  });
});

describe('where sign-in lands', () => {
  it('when a signed-out tab keeps asking for its event stream or badge, then sign-in still lands on the page', async () => {
    const user = await createUser(db, 'agent');
    const agent = request.agent(app);
    await agent.get('/tickets').set('Sec-Fetch-Mode', 'navigate').expect(303);
    await agent
      .get('/events')
      .set('Accept', 'text/event-stream')
      .set('Sec-Fetch-Mode', 'cors')
      .expect(303);
    await agent.get('/notifications/badge').set('Sec-Fetch-Mode', 'cors').expect(303);
    await agent.get('/events').set('Accept', 'text/event-stream').expect(303);
    const page = await agent.get('/login');
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: user.email, password: TEST_PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tickets');
  });
});
