import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, signIn, postForm } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeInteraction, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
type Session = Awaited<ReturnType<typeof signIn>>;
let agent: Session, supervisor: Session;
let agentId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const a = await createUser(db, 'agent', { name: 'Amaka Canned' });
  const s = await createUser(db, 'supervisor', { name: 'Sade Canned' });
  agentId = a.id;
  agent = await signIn(app, a.email);
  supervisor = await signIn(app, s.email);
});
afterAll(async () => {
  await db.drop();
});

describe('managing saved replies', () => {
  it('when a reply with an unknown placeholder is saved, then 422 keeps the input, nothing stored', async () => {
    const body = 'Hello {{customer.nick}}, thanks.';
    const res = await postForm(supervisor, '/canned-replies', {
      title: 'Thanks',
      category: 'general',
      shortcut: 'thanks',
      body,
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Unknown placeholder {{customer.nick}}');
    expect(res.text).toContain('Hello {{customer.nick}}, thanks.');
    expect(await db.prisma.cannedReply.count({ where: { shortcut: 'thanks' } })).toBe(0);
  });

  it('when an agent tries to create or change a reply, then 403; agents may still read the library', async () => {
    const res = await postForm(agent, '/canned-replies', {
      title: 'Mine',
      category: 'general',
      shortcut: 'mine',
      body: 'x',
    });
    expect(res.status).toBe(403);
    expect((await agent.agent.get('/canned-replies')).status).toBe(200);
    expect((await agent.agent.get('/canned-replies/new')).status).toBe(403);
  });

  it('when a second reply takes an existing shortcut, then 422 on the shortcut field', async () => {
    await postForm(supervisor, '/canned-replies', {
      title: 'A',
      category: 'c',
      shortcut: 'dup',
      body: 'a',
    }).expect(303);
    const res = await postForm(supervisor, '/canned-replies', {
      title: 'B',
      category: 'c',
      shortcut: 'dup',
      body: 'b',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Another saved reply already uses this shortcut.');
  });
  it('when two supervisors edit the same reply, then the second gets 409 with their text kept at the new version', async () => {
    const fields = {
      title: 'Delay',
      category: 'general',
      shortcut: 'delay',
      body: 'Sorry for the wait.',
    };
    await postForm(supervisor, '/canned-replies', fields).expect(303);
    const reply = await db.prisma.cannedReply.findUniqueOrThrow({ where: { shortcut: 'delay' } });
    await postForm(supervisor, `/canned-replies/${reply.id}/edit`, {
      ...fields,
      body: 'First edit.',
      version: '1',
    }).expect(303);
    const late = await postForm(supervisor, `/canned-replies/${reply.id}/edit`, {
      ...fields,
      body: 'Second edit.',
      version: '1',
    });
    expect(late.status).toBe(409);
    expect(late.text).toContain('Someone changed this reply since you opened it.');
    expect(late.text).toContain('Second edit.');
    expect(late.text).toContain('name="version" value="2"');
    const saved = await db.prisma.cannedReply.findUniqueOrThrow({ where: { id: reply.id } });
    expect(saved.body).toBe('First edit.');
  });

  it('when a supervisor deletes a reply, then it is gone and a second delete is 404', async () => {
    const fields = { title: 'Bye', category: 'general', shortcut: 'bye', body: 'Goodbye.' };
    await postForm(supervisor, '/canned-replies', fields).expect(303);
    const reply = await db.prisma.cannedReply.findUniqueOrThrow({ where: { shortcut: 'bye' } });
    await postForm(supervisor, `/canned-replies/${reply.id}/delete`).expect(303);
    expect(await db.prisma.cannedReply.count({ where: { id: reply.id } })).toBe(0);
    await postForm(supervisor, `/canned-replies/${reply.id}/delete`).expect(404);
  });
});

describe('using saved replies', () => {
  it('when an agent types ;shortcut, then the filled text is saved and the use counted for supervisors', async () => {
    const body = 'Hi {{customer.firstName}}, this is {{agent.name}} about {{ticket.number}}.';
    await postForm(supervisor, '/canned-replies', {
      title: 'Call back',
      category: 'general',
      shortcut: 'cb',
      body,
    }).expect(303);
    const customer = await makeCustomer(db, { label: 'Ngozi' });
    const ticket = await makeTicket(db, customer.id, agentId, agentId);
    const entry = {
      kind: 'contact',
      channel: 'call',
      direction: 'outbound',
      body: 'Called. ;cb Will retry.',
    };
    await postForm(agent, `/tickets/${ticket.id}/entries`, entry).expect(303);
    const saved = await db.prisma.ticketEntry.findFirstOrThrow({ where: { ticketId: ticket.id } });
    expect(saved.body).toBe(
      `Called. Hi ${customer.firstName}, this is Amaka Canned about ${ticket.number}. Will retry.`,
    );

    const managerView = await supervisor.agent.get('/canned-replies');
    const row = managerView.text.slice(managerView.text.indexOf('<code>;cb</code>'));
    expect(row).toMatch(/<td class="num">1<\/td>/);
    expect((await agent.agent.get('/canned-replies')).text).not.toContain('class="num"');
  });

  it('when a reply is picked from the list without JavaScript, then it is added; interactions too', async () => {
    await postForm(supervisor, '/canned-replies', {
      title: 'Sorry',
      category: 'general',
      shortcut: 'sorry',
      body: 'Sorry {{customer.fullName}}.',
    }).expect(303);
    const reply = await db.prisma.cannedReply.findUniqueOrThrow({ where: { shortcut: 'sorry' } });
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, agentId, agentId);
    await postForm(agent, `/tickets/${ticket.id}/entries`, {
      kind: 'note',
      body: '',
      cannedReplyId: String(reply.id),
    }).expect(303);
    expect(
      (await db.prisma.ticketEntry.findFirstOrThrow({ where: { ticketId: ticket.id } })).body,
    ).toBe(`Sorry ${customer.fullName}.`);

    const interaction = await makeInteraction(db, customer.id, agentId);
    await postForm(agent, `/interactions/${interaction.id}/notes`, {
      body: 'Apologised: ;sorry',
    }).expect(303);
    const note = await db.prisma.interactionNote.findFirstOrThrow({
      where: { interactionId: interaction.id },
    });
    expect(note.body).toBe(`Apologised: Sorry ${customer.fullName}.`);
    expect(
      (await db.prisma.cannedReply.findUniqueOrThrow({ where: { id: reply.id } })).useCount,
    ).toBe(2);
  });

  it('when ;word is not a saved shortcut, then the text is kept as typed', async () => {
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, agentId, agentId);
    await postForm(agent, `/tickets/${ticket.id}/entries`, {
      kind: 'note',
      body: 'Odd ;nosuch text; fine',
    }).expect(303);
    expect(
      (await db.prisma.ticketEntry.findFirstOrThrow({ where: { ticketId: ticket.id } })).body,
    ).toBe('Odd ;nosuch text; fine');
  });
});
