import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeTicket } from '../support/fixtures.js';
import { notify } from '../../src/modules/notifications/service.js';

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
  /class="notification-badge"[^>]*>Notifications\s*(?:<span class="count">(\d+)<\/span>)?/.exec(
    html,
  )?.[1] ?? '0';

describe('notifications', () => {
  it(
    'when a supervisor assigns a ticket to an agent, then the agent sees it unread with a link, ' +
      'and marking it read clears the badge',
    async () => {
      const agentUser = await createUser(db, 'agent', { name: 'Amara Agent' });
      const supervisorUser = await createUser(db, 'supervisor', { name: 'Bayo Okoro' });
      const customer = await makeCustomer(db);
      const ticket = await makeTicket(db, customer.id, agentUser.id, null);
      const boss = await signIn(app, supervisorUser.email);
      await postForm(boss, `/tickets/${ticket.id}/assign`, {
        assigneeId: String(agentUser.id),
        version: String(ticket.version),
      }).expect(303);

      const me = await signIn(app, agentUser.email);
      const home = await me.agent.get('/').expect(200);
      expect(badgeCount(home.text)).toBe('1');
      const page = await me.agent.get('/notifications').expect(200);
      expect(page.text).toContain(`Bayo Okoro assigned ticket ${ticket.number}`);
      expect(page.text).toContain(`href="/tickets/${ticket.id}"`);

      // The badge fragment, fetched by script (Sec-Fetch-Dest: empty), counts for itself.
      const fragment = await me.agent
        .get('/notifications/badge')
        .set('Sec-Fetch-Dest', 'empty')
        .expect(200);
      expect(badgeCount(fragment.text)).toBe('1');
      const stored = await db.prisma.notification.findFirstOrThrow({
        where: { userId: agentUser.id },
      });
      expect(stored).toMatchObject({
        kind: 'ticket_assigned',
        recordType: 'ticket',
        recordId: ticket.id,
        actorId: supervisorUser.id,
        readAt: null,
      });
      const opened = await postForm(me, '/notifications/read', {
        id: String(stored.id),
        open: '1',
      }).expect(303);
      expect(opened.headers.location).toBe(`/tickets/${ticket.id}`);
      expect(badgeCount((await me.agent.get('/').expect(200)).text)).toBe('0');
      expect((await me.agent.get('/notifications/badge').expect(200)).text).not.toContain(
        'class="count"',
      );
    },
    60_000,
  );

  it(
    'when an agent escalates to an admin and the admin resolves it, then each is told once ' +
      'and nobody about their own act',
    async () => {
      const [raiser, adminUser] = [await createUser(db, 'agent'), await createUser(db, 'admin')];
      const customer = await makeCustomer(db);
      const ticket = await makeTicket(db, customer.id, raiser.id, raiser.id);
      const agentSession = await signIn(app, raiser.email);
      const raised = await postForm(agentSession, '/escalations', {
        ticketId: String(ticket.id),
        targetType: 'admin',
        targetUserId: String(adminUser.id),
        reason: 'Refund above the agent limit.',
        idempotencyKey: `n-${Date.now()}`,
      }).expect(303);
      const escalationId = Number(/\/escalations\/(\d+)/.exec(raised.headers.location)![1]);
      const toAdmin = await db.prisma.notification.findMany({ where: { userId: adminUser.id } });
      expect(toAdmin.map((n) => [n.kind, n.recordId])).toEqual([
        ['escalation_addressed', escalationId],
      ]);

      const adminSession = await signIn(app, adminUser.email);
      await postForm(adminSession, `/escalations/${escalationId}/resolve`, {
        version: '1',
        outcome: 'Refund approved.',
        ticketStatus: 'resolved',
      }).expect(303);
      const toRaiser = await db.prisma.notification.findMany({ where: { userId: raiser.id } });
      expect(toRaiser.map((n) => [n.kind, n.recordId, n.actorId])).toEqual([
        ['escalation_answered', escalationId, adminUser.id],
      ]);
      expect(await db.prisma.notification.count({ where: { userId: adminUser.id } })).toBe(1);
      const page = await agentSession.agent.get('/notifications').expect(200);
      expect(page.text).toContain(`answered your escalation #${escalationId}`);
    },
  );

  it(
    'when there are read and unread notices, then unread come first, ' +
      "and mark all read clears only the viewer's own",
    async () => {
      const [me, other] = [await createUser(db, 'agent'), await createUser(db, 'agent')];
      const customer = await makeCustomer(db);
      const [t1, t2, t3] = await Promise.all(
        [1, 2, 3].map(() => makeTicket(db, customer.id, me.id, me.id)),
      );
      const dueSoon = (userId: number, recordId: number) =>
        ({ userId, kind: 'ticket_due_soon', recordType: 'ticket', recordId }) as const;
      await notify(db.prisma, [dueSoon(me.id, t1.id)]);
      await notify(db.prisma, [
        { userId: me.id, kind: 'ticket_breached', recordType: 'ticket', recordId: t2.id },
      ]);
      const readNow = { readAt: new Date() };
      await db.prisma.notification.updateMany({
        where: { userId: me.id, recordId: t2.id },
        data: readNow,
      });
      await notify(db.prisma, [dueSoon(me.id, t3.id), dueSoon(other.id, t3.id)]);
      const session = await signIn(app, me.email);
      const page = (await session.agent.get('/notifications').expect(200)).text;
      const order = [t3, t1, t2].map((t) => page.indexOf(t.number));
      expect(order.every((at) => at > 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);

      // Someone else's notice id changes nothing.
      const theirs = await db.prisma.notification.findFirstOrThrow({ where: { userId: other.id } });
      await postForm(session, '/notifications/read', { id: String(theirs.id) }).expect(303);
      await postForm(session, '/notifications/read-all').expect(303);
      expect(await db.prisma.notification.count({ where: { userId: me.id, readAt: null } })).toBe(
        0,
      );
      expect(
        await db.prisma.notification.count({ where: { userId: other.id, readAt: null } }),
      ).toBe(1);
    },
  );

  it('when a notice points at a record the viewer may not open, then no label and no link are shown', async () => {
    const [doctorUser, agentUser] = [await createUser(db, 'doctor'), await createUser(db, 'agent')];
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, agentUser.id, agentUser.id);
    const assigned = {
      kind: 'ticket_assigned',
      recordType: 'ticket',
      recordId: ticket.id,
    } as const;
    await notify(db.prisma, [{ ...assigned, userId: doctorUser.id, actorId: agentUser.id }]);
    const session = await signIn(app, doctorUser.email);
    const page = (await session.agent.get('/notifications').expect(200)).text;
    expect(page).toContain('a record you can no longer open');
    expect(page).not.toContain(ticket.number);
    expect(page).not.toContain(`href="/tickets/${ticket.id}"`);
  });

  it('when the id is not a number, then the form answers 422 and nothing is marked', async () => {
    const user = await createUser(db, 'agent');
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, user.id, user.id);
    await notify(db.prisma, [
      { userId: user.id, kind: 'ticket_breached', recordType: 'ticket', recordId: ticket.id },
    ]);
    const session = await signIn(app, user.email);
    await postForm(session, '/notifications/read', { id: 'abc' }).expect(422);
    expect(await db.prisma.notification.count({ where: { userId: user.id, readAt: null } })).toBe(
      1,
    );
  });
});
