import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, csrfFrom, TEST_PASSWORD } from '../support/app.js';
import { connectDatabase, type Database } from '../../src/db/client.js';

// Two app instances over the same database, each with its own pg pool: nothing about a signed-in
// user lives in process memory, so any instance can serve any request.
let db: TestDatabase;
let second: Database;

beforeAll(async () => {
  db = await createTestDatabase();
  second = connectDatabase(db.url, 5);
});
afterAll(async () => {
  await second.close();
  await db.drop();
});

const cookieOf = (res: request.Response) =>
  ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).map(
    (c) => c.split(';')[0],
  );

describe('stateless instances', () => {
  it('when a user signs in on one instance, then they continue on the other, including a CSRF-protected POST', async () => {
    const appA = buildApp(db);
    const appB = buildApp({ prisma: second.prisma, pool: second.pool, close: second.close });
    expect(appA).not.toBe(appB);
    const user = await createUser(db, 'supervisor', { name: 'Sola Stateless' });

    const login = await request(appA).get('/login').expect(200);
    let cookies = cookieOf(login);
    const signedIn = await request(appA)
      .post('/login')
      .set('Cookie', cookies)
      .type('form')
      .send({ _csrf: csrfFrom(login.text), email: user.email, password: TEST_PASSWORD })
      .expect(303);
    cookies = cookieOf(signedIn).length ? cookieOf(signedIn) : cookies;

    // Page and CSRF token rendered by instance A …
    const home = await request(appA).get('/').set('Cookie', cookies).expect(200);
    const token = csrfFrom(home.text);

    // … instance B knows the session: an authenticated, role-guarded page.
    const metrics = await request(appB).get('/metrics').set('Cookie', cookies).expect(200);
    expect(metrics.text).toContain('Sola Stateless');

    // B refuses a POST without the token but accepts A's token (the token lives in the PostgreSQL session).
    await request(appB).post('/logout').set('Cookie', cookies).type('form').send({}).expect(403);
    const out = await request(appB)
      .post('/logout')
      .set('Cookie', cookies)
      .type('form')
      .send({ _csrf: token });
    expect(out.status).toBe(303);

    // Signing out on B ends the session for A too.
    const after = await request(appA).get('/metrics').set('Cookie', cookies).expect(303);
    expect(after.headers.location).toBe('/login');
  });
});
