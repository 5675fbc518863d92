import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyDueTickets } from '../../src/modules/notifications/sla-watch.js';
import { createUser } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('SLA watch', () => {
  it(
    'when an assigned ticket is due within the hour or breached, then its assignee is told once per kind; ' +
      'unassigned and resolved tickets tell nobody',
    async () => {
      const agent = await createUser(db, 'agent');
      const customer = await makeCustomer(db);
      const longAgo = new Date(Date.now() - 10 * 86_400_000);
      const breached = await makeTicket(db, customer.id, agent.id, agent.id);
      await db.prisma.supportTicket.update({
        where: { id: breached.id },
        data: { createdAt: longAgo },
      });
      const dueSoon = await makeTicket(db, customer.id, agent.id, agent.id);
      await db.prisma.supportTicket.update({
        where: { id: dueSoon.id },
        data: { priority: 'urgent' },
      });
      const unassigned = await makeTicket(db, customer.id, agent.id, null);
      await db.prisma.supportTicket.update({
        where: { id: unassigned.id },
        data: { createdAt: longAgo },
      });
      const resolved = await makeTicket(db, customer.id, agent.id, agent.id);
      const closed = { createdAt: longAgo, status: 'resolved' as const, resolvedAt: new Date() };
      await db.prisma.supportTicket.update({ where: { id: resolved.id }, data: closed });

      await notifyDueTickets(db.pool);
      await notifyDueTickets(db.pool);
      const told = await db.prisma.notification.findMany({
        where: { userId: agent.id },
        orderBy: { recordId: 'asc' },
      });
      expect(told.map((n) => [n.recordId, n.kind])).toEqual([
        [breached.id, 'ticket_breached'],
        [dueSoon.id, 'ticket_due_soon'],
      ]);
      const quiet = { recordId: { in: [unassigned.id, resolved.id] }, recordType: 'ticket' };
      expect(await db.prisma.notification.count({ where: quiet })).toBe(0);
    },
  );

  it('when two instances run the watch at once, then nobody is told twice', async () => {
    const agent = await createUser(db, 'agent');
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, agent.id, agent.id);
    const longAgo = new Date(Date.now() - 10 * 86_400_000);
    await db.prisma.supportTicket.update({
      where: { id: ticket.id },
      data: { createdAt: longAgo },
    });
    await Promise.all([
      notifyDueTickets(db.pool),
      notifyDueTickets(db.pool),
      notifyDueTickets(db.pool),
    ]);
    await notifyDueTickets(db.pool);
    expect(
      await db.prisma.notification.count({ where: { userId: agent.id, recordId: ticket.id } }),
    ).toBe(1);
  });

  it('when more tickets are due than a run may tell, then the next runs tell the rest, each once', async () => {
    const agent = await createUser(db, 'agent');
    const customer = await makeCustomer(db);
    await db.pool.query(
      `INSERT INTO support_tickets (number, customer_id, category, priority, status, subject,
                                    description, created_by_id, assignee_id, created_at, updated_at)
       SELECT 'TKT-W' || lpad(n::text, 7, '0'), $1, 'billing', 'urgent', 'open', 'Late', 'Waiting',
              $2, $2, now() - interval '2 days' - n * interval '1 minute', now()
         FROM generate_series(1, 30) n`,
      [customer.id, agent.id],
    );
    const toldAfterEachRun: number[] = [];
    for (let run = 0; run < 4; run++) {
      await notifyDueTickets(db.pool, new Date(), 12);
      toldAfterEachRun.push(await db.prisma.notification.count({ where: { userId: agent.id } }));
    }
    expect(toldAfterEachRun).toEqual([12, 24, 30, 30]);
  });
});
