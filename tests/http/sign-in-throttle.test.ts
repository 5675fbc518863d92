import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { TEST_PASSWORD, buildApp, createUser, csrfFrom, postForm } from '../support/app.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** One client's sign-in attempt: fetch the form (for its CSRF token), then post it. */
async function attempt(
  app: Express,
  email: string,
  password: string,
  headers: Record<string, string> = {},
) {
  const agent = request.agent(app);
  const page = await agent.get('/login').set(headers);
  const visitor = { agent, csrf: csrfFrom(page.text) };
  return postForm(visitor, '/login', { email, password }).set(headers);
}

/** The audit trail's position now, to read what a scenario adds after it. */
async function auditMark(): Promise<bigint> {
  const last = await db.prisma.auditEvent.findFirst({
    orderBy: { id: 'desc' },
    select: { id: true },
  });
  return last?.id ?? 0n;
}

async function auditRows(since: bigint, userId?: number) {
  const subject = userId ? { recordType: 'user', recordId: userId } : {};
  return db.prisma.auditEvent.findMany({
    where: { id: { gt: since }, action: { startsWith: 'sign_in' }, ...subject },
  });
}

describe('sign-in throttling', () => {
  it('when 30 wrong passwords arrive at once, then at most 5 are checked and the rest are refused', async () => {
    const app = buildApp(db, { LOGIN_MAX_FAILURES: '5', LOGIN_LOCK_MINUTES: '15' });
    const user = await createUser(db, 'agent');
    const since = await auditMark();
    const results = await Promise.all(
      Array.from({ length: 30 }, () => attempt(app, user.email, 'wrong-password')),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);

    const correct = await attempt(app, user.email, TEST_PASSWORD);
    expect(correct.status).toBe(429);

    const rows = await auditRows(since, user.id);
    expect(rows.filter((r) => r.action === 'sign_in_failed')).toHaveLength(5);
    expect(rows.filter((r) => r.action === 'sign_in_refused')).toHaveLength(26);

    // Once the window has passed, the right password works again.
    await db.prisma
      .$executeRaw`UPDATE login_throttles SET window_start = window_start - interval '16 minutes',
      locked_until = locked_until - interval '16 minutes' WHERE key LIKE ${user.email + '|%'}`;
    expect((await attempt(app, user.email, TEST_PASSWORD)).status).toBe(303);
    // 30 parallel sign-ins on a shared 2-core machine can take a while.
  }, 120_000);

  it('when a client behind a one-hop proxy forges X-Forwarded-For, then neither the key nor the audited IP changes', async () => {
    const app = buildApp(db, { LOGIN_MAX_FAILURES: '3', TRUST_PROXY: '1' });
    const user = await createUser(db, 'agent');
    const since = await auditMark();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const forged = `198.51.100.${i}, 203.0.113.7`;
      statuses.push(
        (await attempt(app, user.email, 'wrong-password', { 'X-Forwarded-For': forged })).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    const ips = new Set((await auditRows(since, user.id)).map((r) => r.ip));
    expect([...ips]).toEqual(['203.0.113.7']);
  });
});

describe('what the audit trail keeps of an unsuccessful sign-in', () => {
  it('when someone types a password into the email field, then the text is not stored anywhere in the trail', async () => {
    const app = buildApp(db);
    const typed = `Secret-${randomBytes(6).toString('hex')}`;
    const since = await auditMark();
    expect((await attempt(app, typed, 'anything')).status).toBe(401);
    const [row] = await auditRows(since);
    expect(row.action).toBe('sign_in_failed');
    const stored = JSON.stringify(row, (_key, value) =>
      typeof value === 'bigint' ? String(value) : value,
    ).toLowerCase();
    expect(stored).not.toContain(typed.toLowerCase());
    expect(row.reason).toMatch(/^email-hmac:[0-9a-f]{32}$/);
  });

  it('when the email matches an account, then the row names that account and not the typed text', async () => {
    const app = buildApp(db);
    const user = await createUser(db, 'supervisor');
    const since = await auditMark();
    expect((await attempt(app, `  ${user.email.toUpperCase()} `, 'wrong-password')).status).toBe(
      401,
    );
    const [row] = await auditRows(since);
    expect(row).toMatchObject({
      action: 'sign_in_failed',
      recordType: 'user',
      recordId: user.id,
      reason: null,
    });
  });
});
