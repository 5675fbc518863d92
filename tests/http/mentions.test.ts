import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, signIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeInteraction, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
type Session = Awaited<ReturnType<typeof signIn>>;
let amaka: Session, bola: Session;
let amakaId: number, bolaId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const a = await createUser(db, 'agent', { name: 'Amaka Mention' });
  const b = await createUser(db, 'agent', { name: 'Bola Mention' });
  [amakaId, bolaId] = [a.id, b.id];
  amaka = await signIn(app, a.email);
  bola = await signIn(app, b.email);
});
afterAll(async () => {
  await db.drop();
});

describe('@mentions in notes', () => {
  it('when a ticket note mentions a colleague by full name, then that colleague is notified and sees it', async () => {
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, amakaId, amakaId);
    const body = {
      _csrf: amaka.csrf,
      kind: 'note',
      body: '@bola mention can you check the refund?',
    };
    await amaka.agent.post(`/tickets/${ticket.id}/entries`).type('form').send(body).expect(303);
    const notes = await db.prisma.notification.findMany({ where: { userId: bolaId } });
    expect(notes.map((n) => [n.kind, n.recordType, n.recordId, n.actorId])).toEqual([
      ['ticket_mention', 'ticket', ticket.id, amakaId],
    ]);
    const page = await bola.agent.get('/notifications');
    expect(page.text).toContain('Amaka Mention mentioned you on');
    expect(await db.prisma.notification.count({ where: { userId: amakaId } })).toBe(0);
  });

  it('when an interaction note mentions a colleague, then they are notified; no @, nobody', async () => {
    const customer = await makeCustomer(db);
    const interaction = await makeInteraction(db, customer.id, amakaId);
    const send = (text: string) =>
      amaka.agent
        .post(`/interactions/${interaction.id}/notes`)
        .type('form')
        .send({ _csrf: amaka.csrf, body: text });
    await send('Bola Mention knows this customer.').expect(303);
    expect(
      await db.prisma.notification.count({ where: { userId: bolaId, recordType: 'interaction' } }),
    ).toBe(0);
    await send('Over to you @Bola Mention.').expect(303);
    const rows = await db.prisma.notification.findMany({
      where: { userId: bolaId, recordType: 'interaction' },
    });
    expect(rows.map((n) => [n.kind, n.recordId])).toEqual([
      ['interaction_mention', interaction.id],
    ]);
  });
});
