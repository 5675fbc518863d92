import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRecoveryCode, newSecret } from '../../src/auth/two-factor.js';
import { buildApp, csrfFrom, postForm, signIn, TEST_PASSWORD } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  ACTORS,
  buildWorld,
  concretePath,
  sessionFor,
  snapshot,
  tinyPhoto,
  validBody,
  type ActorName,
  type ActorRecords,
  type World,
} from '../support/fixtures.js';
import { routeTable, type RouteEntry } from '../support/routes.js';
import { MATRIX, fillQuery } from './access-matrix.js';

let db: TestDatabase;
let app: Express;
let routes: RouteEntry[];

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  routes = routeTable(app);
});
afterAll(async () => {
  await db.drop();
});

const keyOf = (route: RouteEntry) => `${route.method} ${route.path}`;

// Each tour visits every route (a fresh world per POST), so it grows with the app, not per request.
const TOUR_TIMEOUT_MS = 600_000;

/** "caredesk.sid=…" from a Set-Cookie header, if the response set one. */
function sessionCookie(setCookie: string | string[] | undefined): string | undefined {
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return cookies.find((c) => c.startsWith('caredesk.sid='))?.split(';')[0];
}

/** The first actor the matrix lets through; sign-in itself is exercised by an anonymous visitor. */
function allowedActor(key: string): ActorName {
  if (key === 'POST /login' || key === 'POST /login/two-factor') return 'anonymous';
  const expect = MATRIX[key]?.expect;
  if (!expect) throw new Error(`${key} is not in the access matrix`);
  const actor = (['agent', 'supervisor', 'admin', 'doctor', 'anonymous'] as const).find(
    (a) => expect[a] === 'ok',
  );
  if (!actor) throw new Error(`Nobody may use ${key}`);
  return actor;
}

/** Puts the actor's records into the state where the route's valid body really changes something. */
async function prepare(
  key: string,
  records: ActorRecords,
  world: World,
): Promise<Record<string, string>> {
  const p = db.prisma;
  switch (key) {
    case 'POST /interactions/:id/resume':
      await p.interaction.update({
        where: { id: records.interactionId },
        data: { status: 'pending' },
      });
      break;
    case 'POST /tickets/:id/claim':
      await p.supportTicket.update({ where: { id: records.ticketId }, data: { assigneeId: null } });
      break;
    case 'POST /tickets/:id/assign':
      return { assigneeId: String(world.users.agent.id) };
    case 'POST /consultations/:id/start':
      await p.consultation.update({
        where: { id: records.consultationId },
        data: { status: 'scheduled', scheduledFor: new Date('2031-01-02T10:00:00Z') },
      });
      break;
    case 'POST /consultations/:id/request-payment':
      await p.consultation.update({
        where: { id: records.consultationId },
        data: { status: 'completed' },
      });
      break;
    case 'POST /consultations/:id/mark-paid':
      await p.consultation.update({
        where: { id: records.consultationId },
        data: { status: 'completed', paymentStatus: 'pending' },
      });
      break;
    case 'POST /staff/:id/enable':
      await p.user.update({ where: { id: records.staffId }, data: { active: false } });
      break;
    case 'POST /login/two-factor':
      return { code: RECOVERY_CODE };
    case 'POST /login':
      return { email: world.users.agent.email, password: TEST_PASSWORD };
  }
  return {};
}

const RECOVERY_CODE = 'ABCD-EFGH-JKMN';

/** Routes whose form is multipart: the file each sends along with its fields. */
const MULTIPART: Record<string, () => Promise<{ field: string; bytes: Buffer; filename: string }>> =
  {
    'POST /customers/:id/photo': async () => ({
      field: 'photo',
      bytes: await tinyPhoto(),
      filename: 'photo.webp',
    }),
  };

/** State a route needs that only exists once the browser has (or has half) signed in. */
async function afterSignIn(
  key: string,
  browser: ReturnType<typeof request.agent>,
  world: World,
  records: ActorRecords,
): Promise<void> {
  const p = db.prisma;
  const twoFactorOn = { totpSecret: newSecret(), totpEnabledAt: new Date() };
  if (key === 'POST /account/two-factor/remove')
    await p.user.update({ where: { id: records.userId! }, data: twoFactorOn });
  if (key === 'POST /login/two-factor') {
    // The agent's password is accepted; the browser now waits for the second step.
    await p.user.update({
      where: { id: world.users.agent.id },
      data: {
        ...twoFactorOn,
        recoveryCodes: { create: { codeHash: hashRecoveryCode(RECOVERY_CODE) } },
      },
    });
    const token = csrfFrom((await browser.get('/login')).text);
    const res = await browser
      .post('/login')
      .type('form')
      .send({ _csrf: token, email: world.users.agent.email, password: TEST_PASSWORD });
    if (res.headers.location !== '/login/two-factor')
      throw new Error(`expected the second step, got ${res.status} ${res.headers.location}`);
  }
}

describe('CSRF on every state-changing route', () => {
  it('when the router table is read, then the check covers at least every POST in it', () => {
    const writes = routes.filter((r) => r.method !== 'GET');
    expect(writes.length).toBeGreaterThanOrEqual(20);
    expect(writes.every((r) => r.method === 'POST')).toBe(true);
  });

  it(
    'when a token is missing, foreign or stale, or the post is cross-site, then it is refused and nothing changes',
    async () => {
      const writes = routes.filter((r) => r.method !== 'GET');
      const failures: string[] = [];
      for (const route of writes) {
        const key = keyOf(route);
        const world = await buildWorld(db);
        const actor = allowedActor(key);
        const records = world.records[actor];
        const url = concretePath(route.path, records) + fillQuery(MATRIX[key]?.query, records);
        const overrides = await prepare(key, records, world);

        // A token minted before sign-in (then the session id rotates), and one from another browser.
        const browser = request.agent(app);
        const staleToken = csrfFrom((await browser.get('/login')).text);
        const session =
          actor === 'anonymous'
            ? { agent: browser, token: async () => csrfFrom((await browser.get('/login')).text) }
            : await (async () => {
                const res = await browser
                  .post('/login')
                  .type('form')
                  .send({
                    _csrf: staleToken,
                    email: world.users[actor as Exclude<ActorName, 'anonymous'>].email,
                    password: TEST_PASSWORD,
                  });
                if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
                return {
                  agent: browser,
                  token: async () => csrfFrom((await browser.get('/')).text),
                };
              })();
        await afterSignIn(key, browser, world, records);
        const other = await sessionFor(app, 'supervisor', world);
        const foreignToken = await other.token();
        const validToken = await session.token();
        const body = { ...(await validBody(db, key, records, world)), ...overrides };

        const before = await snapshot(db, ['session']);
        // Uploads go as multipart (parsed before the CSRF check), every other form url-encoded.
        const upload = MULTIPART[key] ? await MULTIPART[key]() : null;
        const post = (fields: Record<string, string>, headers: Record<string, string> = {}) => {
          const req = session.agent.post(url).set(headers);
          if (!upload) return req.type('form').send(fields);
          for (const [name, value] of Object.entries(fields)) req.field(name, value);
          return req.attach(upload.field, upload.bytes, upload.filename);
        };
        const attempts: [string, () => Promise<request.Response>][] = [
          ['no token', () => post(body)],
          ['empty token', () => post({ ...body, _csrf: '' })],
          ['forged token', () => post({ ...body, _csrf: 'x'.repeat(validToken.length) })],
          ['foreign token', () => post({ ...body, _csrf: foreignToken })],
          ['foreign token in header', () => post(body, { 'X-CSRF-Token': foreignToken })],
          ...(actor === 'anonymous'
            ? []
            : [
                ['token from before sign-in', () => post({ ...body, _csrf: staleToken })] as [
                  string,
                  () => Promise<request.Response>,
                ],
              ]),
          [
            'cross-site with a valid token',
            () => post({ ...body, _csrf: validToken }, { 'Sec-Fetch-Site': 'cross-site' }),
          ],
        ];
        for (const [label, attempt] of attempts) {
          const res = await attempt();
          if (res.status !== 403)
            failures.push(`${key} (${actor}) ${label}: expected 403, got ${res.status}`);
          const now = await snapshot(db, ['session']);
          const changed = Object.keys(before).filter((t) => before[t] !== now[t]);
          if (changed.length)
            failures.push(`${key} (${actor}) ${label}: changed ${changed.join(', ')}`);
        }
        // Still signed in (or still anonymous): a refused sign-out/sign-in did not take effect.
        const home = await session.agent.get('/');
        if (home.status !== (actor === 'anonymous' ? 303 : 200))
          failures.push(
            `${key} (${actor}): session state changed by a refused post (${home.status})`,
          );

        // Control: the same request with the page's own token goes through and changes something,
        // so the checks above would have seen a write.
        const token = await session.token();
        const ok = await post({ ...body, _csrf: token });
        if (![200, 204, 303].includes(ok.status))
          failures.push(`${key} (${actor}) control: expected 200/204/303, got ${ok.status}`);
        const after = await snapshot(db, ['session']);
        if (!Object.keys(before).some((t) => before[t] !== after[t]))
          failures.push(`${key} (${actor}) control: the valid request changed nothing`);
      }
      expect(failures).toEqual([]);
    },
    TOUR_TIMEOUT_MS,
  );
});

describe('no state change on GET', () => {
  it(
    'when every actor requests every GET route, then the business tables are untouched',
    async () => {
      const world = await buildWorld(db);
      const gets = routes.filter((r) => r.method === 'GET');
      const failures: string[] = [];
      let requests = 0;
      for (const actor of ACTORS) {
        const session = await sessionFor(app, actor, world);
        const records = world.records[actor];
        for (const route of gets) {
          const key = keyOf(route);
          const url = concretePath(route.path, records) + fillQuery(MATRIX[key]?.query, records);
          // Viewing medical data legitimately writes audit rows; sessions roll on every request.
          // Presence rows expire by themselves (the live desk sweeps closed tabs while streams are open).
          const skip = ['audit_events', 'audit_chain', 'session', 'presence'];
          const before = await snapshot(db, skip);
          const res = await session.agent.get(url);
          requests += 1;
          if (res.status >= 500) failures.push(`${key} as ${actor}: ${res.status}`);
          const after = await snapshot(db, skip);
          const changed = Object.keys(before).filter((t) => before[t] !== after[t]);
          if (changed.length) failures.push(`${key} as ${actor} changed ${changed.join(', ')}`);
        }
      }
      expect(requests).toBe(gets.length * ACTORS.length);
      expect(failures).toEqual([]);
    },
    TOUR_TIMEOUT_MS,
  );

  it('when sign-out is requested with a GET, then it does nothing; a signed-out session id is dead for good', async () => {
    const world = await buildWorld(db);
    const session = await signIn(app, world.users.agent.email);
    const { agent, csrf } = session;
    await agent.get('/logout').expect(404);
    // The cookie the browser holds and sends (it is not sent back on every response).
    const sent = (await agent.get('/').expect(200)).request.cookies;
    const cookie = sent.split('; ').find((c) => c.startsWith('caredesk.sid=')) ?? '';
    expect(cookie).toMatch(/^caredesk\.sid=/);
    await postForm(session, '/logout').expect(303);
    // The old token is no good either once the session is gone.
    await postForm(session, '/tickets', { subject: 'x' }).expect(403);
    await agent.get('/tickets').expect(303).expect('location', '/login');
    // Replaying the old cookie by hand (a stolen copy) gets nowhere.
    await request(app)
      .get('/tickets')
      .set('Cookie', cookie)
      .expect(303)
      .expect('location', '/login');
    const replay = await request(app)
      .post('/tickets')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, subject: 'x' });
    expect(replay.status).toBe(403);
  });

  it('when a visitor signs in, then the pre-sign-in session id is not signed in (no fixation)', async () => {
    const world = await buildWorld(db);
    const browser = request.agent(app);
    const page = await browser.get('/login');
    const before = sessionCookie(page.headers['set-cookie']) ?? '';
    expect(before).toMatch(/^caredesk\.sid=/);
    const res = await browser
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: world.users.admin.email, password: TEST_PASSWORD })
      .expect(303);
    expect(sessionCookie(res.headers['set-cookie'])).not.toBe(before);
    await browser.get('/audit').expect(200);
    await request(app).get('/audit').set('Cookie', before).expect(303).expect('location', '/login');
  });
});
