// The session, the signed-in account and the unread badge are read in one statement per request
// (src/auth/session-store.ts). Whatever changes between two requests must show on the second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, signIn } from '../support/app.js';

let db: TestDatabase;
let app: Express;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
});
afterAll(async () => {
  await db.drop();
});

const badgeCount = (html: string) =>
  /id="notification-badge"[^]*?<span class="count">(\d+)<\/span>/.exec(html)?.[1] ?? '0';

describe('session read with the account', () => {
  it('when an account is disabled between two page views, then the second is refused', async () => {
    const user = await createUser(db, 'supervisor');
    const { agent } = await signIn(app, user.email);
    await agent.get('/tickets').expect(200);
    await db.prisma.user.update({ where: { id: user.id }, data: { active: false } });
    await agent.get('/tickets').expect(303).expect('location', '/login');
    // Enabled again, the old session does not come back by itself.
    await db.prisma.user.update({ where: { id: user.id }, data: { active: true } });
    await agent.get('/tickets').expect(303);
  });

  it('when a supervisor becomes an agent, then the very next request has agent rights', async () => {
    const user = await createUser(db, 'supervisor');
    const { agent } = await signIn(app, user.email);
    await agent.get('/metrics').expect(200);
    await db.prisma.user.update({ where: { id: user.id }, data: { role: 'agent' } });
    await agent.get('/metrics').expect(403);
  });

  it('when the name on an account changes, then the next page shows the new name', async () => {
    const user = await createUser(db, 'agent', { name: 'Ada Before' });
    const { agent } = await signIn(app, user.email);
    expect((await agent.get('/').expect(200)).text).toContain('Ada Before');
    await db.prisma.user.update({ where: { id: user.id }, data: { name: 'Ada After' } });
    const page = (await agent.get('/').expect(200)).text;
    expect(page).toContain('Ada After');
    expect(page).not.toContain('Ada Before');
  });

  it('when notifications arrive or are read, then the next page counts only the unread', async () => {
    const user = await createUser(db, 'agent');
    const other = await createUser(db, 'agent');
    const { agent } = await signIn(app, user.email);
    expect(badgeCount((await agent.get('/tickets').expect(200)).text)).toBe('0');
    const notice = { kind: 'mention', recordType: 'ticket', recordId: 1, actorId: other.id };
    await db.prisma.notification.createMany({
      data: [
        { ...notice, userId: user.id },
        { ...notice, userId: user.id },
        { ...notice, userId: user.id, readAt: new Date() },
        { ...notice, userId: other.id },
      ],
    });
    expect(badgeCount((await agent.get('/tickets').expect(200)).text)).toBe('2');
    await db.prisma.notification.updateMany({
      where: { userId: user.id },
      data: { readAt: new Date() },
    });
    expect(badgeCount((await agent.get('/tickets').expect(200)).text)).toBe('0');
  });
});
