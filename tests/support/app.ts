import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { loadConfig } from '../../src/config.js';
import type { Role } from '../../src/generated/prisma/enums.js';
import type { Database } from '../../src/db/client.js';

export const TEST_PASSWORD = 'correct horse battery staple';
/** Passes the strength check, for forms that set a new password. */
export const STRONG_PASSWORD = 'quiet lantern orbits 4817 meadow';
let passwordHash: Promise<string> | undefined;

export function testConfig(overrides: Record<string, string> = {}) {
  // Two-factor enforcement has its own tests; elsewhere fixtures sign admins and doctors in with a password.
  // Event streams end quickly so route-by-route suites can request /events like any page.
  const defaults = { MFA_REQUIRED_ROLES: '', LIVE_STREAM_SECONDS: '0.3' };
  const secret = 'test-secret-test-secret-test-secret-123';
  return loadConfig({ NODE_ENV: 'test', SESSION_SECRET: secret, ...defaults, ...overrides });
}

export function buildApp(database: Database, overrides: Record<string, string> = {}): Express {
  return createApp({ db: database.prisma, pool: database.pool, config: testConfig(overrides) });
}

let userCounter = 0;
export async function createUser(
  database: Database,
  role: Role,
  extra: { name?: string; email?: string; active?: boolean } = {},
) {
  userCounter += 1;
  const email = extra.email ?? `${role}${userCounter}-${Date.now()}@staff.test`;
  return database.prisma.user.create({
    data: {
      email,
      role,
      name: extra.name ?? `${role} ${userCounter}`,
      active: extra.active ?? true,
      passwordHash: await (passwordHash ??= hashPassword(TEST_PASSWORD)),
      doctorProfile:
        role === 'doctor'
          ? { create: { specialization: 'General practice', available: true } }
          : undefined,
    },
  });
}

export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('No CSRF token on the page');
  return match[1];
}

/** A supertest agent signed in as the given user, plus the page's CSRF token for later posts. */
export async function signIn(app: Express, email: string, password = TEST_PASSWORD) {
  const agent = request.agent(app);
  const page = await agent.get('/login');
  const res = await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password });
  if (res.status !== 303) throw new Error(`Sign-in failed for ${email}: ${res.status}`);
  const home = await agent.get('/');
  return { agent, csrf: csrfFrom(home.text) };
}

export type SignedIn = Awaited<ReturnType<typeof signIn>>;

/** Posts a form as the signed-in person, with their CSRF token (a field in `body` overrides it). */
export function postForm(session: SignedIn, url: string, body: Record<string, string> = {}) {
  return session.agent
    .post(url)
    .type('form')
    .send({ _csrf: session.csrf, ...body });
}
