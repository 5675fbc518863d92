import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDue } from '../../src/modules/follow-ups/queries.js';
import {
  closeFollowUp,
  createFollowUp,
  snoozeFollowUp,
} from '../../src/modules/follow-ups/service.js';
import { ForbiddenError, TransitionError } from '../../src/errors.js';
import { buildApp, createUser, signIn, postForm } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeInteraction, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
type Session = Awaited<ReturnType<typeof signIn>>;
let amaka: Session;
const me = { id: 0, role: 'agent' as const, name: 'Amaka Follow' };
const colleague = { id: 0, role: 'agent' as const, name: 'Bola Follow' };

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const a = await createUser(db, 'agent', { name: me.name });
  const b = await createUser(db, 'agent', { name: colleague.name });
  me.id = a.id;
  colleague.id = b.id;
  amaka = await signIn(app, a.email);
});
afterAll(async () => {
  await db.drop();
});

const post = (url: string, body: Record<string, string>) => postForm(amaka, url, body);
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000);

describe('follow-ups', () => {
  it('when an agent sets a follow-up on a ticket, then it shows there, and its history records it', async () => {
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, me.id, me.id);
    const dueAt = inHours(26).toISOString().slice(0, 16);
    const res = await post(`/tickets/${ticket.id}/follow-ups`, {
      dueAt,
      reason: 'Confirm the refund landed',
    });
    expect(res.status).toBe(303);
    const page = await amaka.agent.get(`/tickets/${ticket.id}`);
    expect(page.text).toContain('because Confirm the refund landed');
    expect(page.text).toContain(`follow-up: — → due ${dueAt.replace('T', ' ')} UTC`);
  });

  it('when the time is missing or past, then 422 on its own page keeps the reason, nothing stored', async () => {
    const customer = await makeCustomer(db);
    const interaction = await makeInteraction(db, customer.id, me.id);
    const past = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
    const res = await post(`/interactions/${interaction.id}/follow-ups`, {
      dueAt: past,
      reason: 'Call back about the app',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Choose a time in the future.');
    expect(res.text).toContain('value="Call back about the app"');
    const missing = await post(`/interactions/${interaction.id}/follow-ups`, {
      dueAt: '',
      reason: 'x',
    });
    expect(missing.status).toBe(422);
    expect(await db.prisma.followUp.count({ where: { interactionId: interaction.id } })).toBe(0);
  });

  it('when listed, then mine come first with overdue on top, then colleagues', async () => {
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, me.id, me.id);
    const now = new Date();
    const make = (ownerId: number, hours: number, reason: string) =>
      db.prisma.followUp.create({
        data: {
          ticketId: ticket.id,
          ownerId,
          dueAt: new Date(now.getTime() + hours * 3_600_000),
          reason,
        },
      });
    await make(colleague.id, -5, 'theirs overdue');
    await make(me.id, 5, 'mine later');
    await make(me.id, -1, 'mine overdue');
    await make(me.id, 1, 'mine soon');
    const rows = (await listDue(db.pool, me, now)).filter((r) => r.ticketId === ticket.id);
    expect(rows.map((r) => r.reason)).toEqual([
      'mine overdue',
      'mine soon',
      'mine later',
      'theirs overdue',
    ]);
    expect(rows.map((r) => r.overdue)).toEqual([true, false, false, true]);

    const home = await amaka.agent.get('/');
    expect(home.text).toMatch(/data-count="my-due-follow-ups">[1-9]\d*</);
    const list = await amaka.agent.get('/follow-ups');
    expect(list.text.indexOf('mine overdue')).toBeLessThan(list.text.indexOf('theirs overdue'));
  });

  it('when done, snoozed or cancelled, then each is recorded and a closed one cannot change again', async () => {
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, me.id, me.id);
    const now = new Date();
    const a = await createFollowUp(
      db.prisma,
      me,
      { ticketId: ticket.id },
      { dueAt: inHours(1), reason: 'a', now },
    );
    const b = await createFollowUp(
      db.prisma,
      me,
      { ticketId: ticket.id },
      { dueAt: inHours(2), reason: 'b', now },
    );
    await snoozeFollowUp(db.prisma, me, a.id, { hours: 24, version: 1, now });
    await closeFollowUp(db.prisma, me, a.id, { outcome: 'done', version: 2, now });
    await closeFollowUp(db.prisma, me, b.id, { outcome: 'cancelled', version: 1, now });
    const changes = await db.prisma.recordChange.findMany({
      where: { recordType: 'ticket', recordId: ticket.id, field: 'follow-up' },
      orderBy: { id: 'asc' },
    });
    expect(changes.map((c) => c.toValue?.split(' ')[0])).toEqual([
      'due',
      'due',
      'snoozed',
      'done',
      'cancelled',
    ]);
    await expect(
      closeFollowUp(db.prisma, me, a.id, { outcome: 'cancelled', version: 3, now }),
    ).rejects.toBeInstanceOf(TransitionError);
    const c = await createFollowUp(
      db.prisma,
      me,
      { ticketId: ticket.id },
      { dueAt: inHours(3), reason: 'c', now },
    );
    await expect(
      closeFollowUp(db.prisma, colleague, c.id, { outcome: 'done', version: 1, now }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('when a follow-up changed since the list was loaded, then done answers 409 and changes nothing', async () => {
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, me.id, me.id);
    const f = await createFollowUp(
      db.prisma,
      me,
      { ticketId: ticket.id },
      { dueAt: inHours(4), reason: 'Check the courier' },
    );
    await snoozeFollowUp(db.prisma, me, f.id, { hours: 1, version: 1 });
    const res = await post(`/follow-ups/${f.id}/done`, { version: '1' });
    expect(res.status).toBe(409);
    const after = await db.prisma.followUp.findUniqueOrThrow({ where: { id: f.id } });
    expect(after).toMatchObject({ status: 'open', version: 2 });
  });
});
