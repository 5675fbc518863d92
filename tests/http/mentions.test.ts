import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeInteraction, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
});
afterAll(async () => {
  await db.drop();
});

/**
 * Two agents of the test's own: Amaka writes, Bola is mentioned. Their surname is the scenario's,
 * so a mention in one test never reaches a colleague of another.
 */
async function colleagues(surname: string) {
  const a = await createUser(db, 'agent', { name: `Amaka ${surname}` });
  const b = await createUser(db, 'agent', { name: `Bola ${surname}` });
  return {
    amakaId: a.id,
    bolaId: b.id,
    amaka: await signIn(app, a.email),
    bola: await signIn(app, b.email),
  };
}

describe('@mentions in notes', () => {
  it('when a ticket note mentions a colleague by full name, then that colleague is notified and sees it', async () => {
    const { amaka, bola, amakaId, bolaId } = await colleagues('Ticketnote');
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, amakaId, amakaId);
    await postForm(amaka, `/tickets/${ticket.id}/entries`, {
      kind: 'note',
      body: '@bola ticketnote can you check the refund?',
    }).expect(303);
    const notes = await db.prisma.notification.findMany({ where: { userId: bolaId } });
    expect(notes.map((n) => [n.kind, n.recordType, n.recordId, n.actorId])).toEqual([
      ['ticket_mention', 'ticket', ticket.id, amakaId],
    ]);
    const page = await bola.agent.get('/notifications');
    expect(page.text).toContain('Amaka Ticketnote mentioned you on');
    expect(await db.prisma.notification.count({ where: { userId: amakaId } })).toBe(0);
  });

  it('when an interaction note mentions a colleague, then they are notified; no @, nobody', async () => {
    const { amaka, amakaId, bolaId } = await colleagues('Callnote');
    const customer = await makeCustomer(db);
    const interaction = await makeInteraction(db, customer.id, amakaId);
    const send = (text: string) =>
      postForm(amaka, `/interactions/${interaction.id}/notes`, { body: text });
    await send('Bola Callnote knows this customer.').expect(303);
    expect(
      await db.prisma.notification.count({ where: { userId: bolaId, recordType: 'interaction' } }),
    ).toBe(0);
    await send('Over to you @Bola Callnote.').expect(303);
    const rows = await db.prisma.notification.findMany({
      where: { userId: bolaId, recordType: 'interaction' },
    });
    expect(rows.map((n) => [n.kind, n.recordId])).toEqual([
      ['interaction_mention', interaction.id],
    ]);
  });
});
