import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, signIn, postForm } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
type Session = Awaited<ReturnType<typeof signIn>>;
let amaka: Session, bola: Session;
let amakaId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const a = await createUser(db, 'agent', { name: 'Amaka Thread' });
  const b = await createUser(db, 'agent', { name: 'Bola Thread' });
  amakaId = a.id;
  amaka = await signIn(app, a.email);
  bola = await signIn(app, b.email);
});
afterAll(async () => {
  await db.drop();
});

async function freshTicket() {
  const customer = await makeCustomer(db);
  return makeTicket(db, customer.id, amakaId, amakaId);
}

describe('posting to a ticket thread', () => {
  it('when an agent logs an outbound call, then 303 and the page shows it with author and channel', async () => {
    const ticket = await freshTicket();
    const body = {
      kind: 'contact',
      channel: 'call',
      direction: 'outbound',
      body: 'Called the patient about the refund.',
    };
    const res = await postForm(amaka, `/tickets/${ticket.id}/entries`, body);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/tickets/${ticket.id}#thread`);
    const page = await amaka.agent.get(`/tickets/${ticket.id}`);
    const thread = page.text.slice(page.text.indexOf('id="thread"'));
    expect(thread).toContain('Outbound call');
    expect(thread).toContain('Called the patient about the refund.');
    expect(thread).toContain('Amaka Thread');
    expect(page.text).toContain('Contact logged.');
  });

  it('when an internal note is posted, then it is marked as never shown to the patient', async () => {
    const ticket = await freshTicket();
    await postForm(amaka, `/tickets/${ticket.id}/entries`, {
      kind: 'note',
      body: 'Billing says Friday.',
    }).expect(303);
    const page = await bola.agent.get(`/tickets/${ticket.id}`);
    const entry = page.text.slice(
      page.text.indexOf('Billing says Friday.') - 400,
      page.text.indexOf('Billing says Friday.'),
    );
    expect(entry).toContain('Internal note');
    expect(entry).toContain('not shown to the patient');
  });

  it('when a contact entry lacks its channel, then 422 keeps the typed text and nothing is stored', async () => {
    const ticket = await freshTicket();
    const typed = 'Patient said the app shows "failed" <twice>.';
    const res = await postForm(amaka, `/tickets/${ticket.id}/entries`, {
      kind: 'contact',
      direction: 'inbound',
      body: typed,
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Choose how you were in touch.');
    expect(res.text).toContain('Patient said the app shows &#34;failed&#34; &lt;twice&gt;.');
    expect(await db.prisma.ticketEntry.count({ where: { ticketId: ticket.id } })).toBe(0);
  });

  it('when the text is empty, then 422 says so and the textarea keeps its draft key for the browser', async () => {
    const ticket = await freshTicket();
    const res = await postForm(amaka, `/tickets/${ticket.id}/entries`, {
      kind: 'note',
      body: '   ',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Write something before saving.');
    expect(res.text).toContain(`data-draft-key="ticket-entry-${ticket.id}"`);
  });
});

describe('correcting an entry', () => {
  it('when the author edits a fresh entry, then the new text shows marked edited, the old one kept', async () => {
    const ticket = await freshTicket();
    await postForm(amaka, `/tickets/${ticket.id}/entries`, {
      kind: 'note',
      body: 'Refund 500.',
    }).expect(303);
    const entry = await db.prisma.ticketEntry.findFirstOrThrow({ where: { ticketId: ticket.id } });
    const page = await amaka.agent.get(`/tickets/${ticket.id}`);
    expect(page.text).toContain(`/tickets/${ticket.id}/entries/${entry.id}/edit`);
    expect((await amaka.agent.get(`/tickets/${ticket.id}/entries/${entry.id}/edit`)).status).toBe(
      200,
    );
    const res = await postForm(amaka, `/tickets/${ticket.id}/entries/${entry.id}/edit`, {
      body: 'Refund 5,000.',
      version: '1',
    });
    expect(res.status).toBe(303);
    const after = await amaka.agent.get(`/tickets/${ticket.id}`);
    expect(after.text).toContain('Refund 5,000.');
    expect(after.text).toMatch(/· edited <time/);
    const revisions = await db.prisma.ticketEntryRevision.findMany({
      where: { entryId: entry.id },
    });
    expect(revisions.map((r) => r.previousBody)).toEqual(['Refund 500.']);
  });

  it("when a colleague opens another's entry for editing, then 403 and no edit link is shown", async () => {
    const ticket = await freshTicket();
    await postForm(amaka, `/tickets/${ticket.id}/entries`, {
      kind: 'note',
      body: 'Mine to fix.',
    }).expect(303);
    const entry = await db.prisma.ticketEntry.findFirstOrThrow({ where: { ticketId: ticket.id } });
    const page = await bola.agent.get(`/tickets/${ticket.id}`);
    expect(page.text).not.toContain(`/entries/${entry.id}/edit`);
    expect((await bola.agent.get(`/tickets/${ticket.id}/entries/${entry.id}/edit`)).status).toBe(
      403,
    );
    expect(
      (
        await postForm(bola, `/tickets/${ticket.id}/entries/${entry.id}/edit`, {
          body: 'Changed',
          version: '1',
        })
      ).status,
    ).toBe(403);
    expect((await db.prisma.ticketEntry.findUniqueOrThrow({ where: { id: entry.id } })).body).toBe(
      'Mine to fix.',
    );
  });

  it('when the 5 minutes are over, then the entry is immutable even for its author', async () => {
    const ticket = await freshTicket();
    const old = await db.prisma.ticketEntry.create({
      data: {
        ticketId: ticket.id,
        authorId: amakaId,
        kind: 'note',
        body: 'Old words.',
        createdAt: new Date(Date.now() - 6 * 60_000),
      },
    });
    const page = await amaka.agent.get(`/tickets/${ticket.id}`);
    expect(page.text).not.toContain(`/entries/${old.id}/edit`);
    const res = await postForm(amaka, `/tickets/${ticket.id}/entries/${old.id}/edit`, {
      body: 'New words.',
      version: '1',
    });
    expect(res.status).toBe(403);
    expect((await db.prisma.ticketEntry.findUniqueOrThrow({ where: { id: old.id } })).body).toBe(
      'Old words.',
    );
  });

  it('when an entry id belongs to another ticket, then it is not found', async () => {
    const [one, two] = [await freshTicket(), await freshTicket()];
    await postForm(amaka, `/tickets/${one.id}/entries`, { kind: 'note', body: 'On one.' }).expect(
      303,
    );
    const entry = await db.prisma.ticketEntry.findFirstOrThrow({ where: { ticketId: one.id } });
    expect((await amaka.agent.get(`/tickets/${two.id}/entries/${entry.id}/edit`)).status).toBe(404);
  });
});

describe("a thread entry's HTML, reused from one page to the next", () => {
  async function noteSeenByBola(body: string) {
    const ticket = await freshTicket();
    await postForm(amaka, `/tickets/${ticket.id}/entries`, { kind: 'note', body }).expect(303);
    expect((await bola.agent.get(`/tickets/${ticket.id}`)).text).toContain(body);
    return ticket;
  }

  it('when the author is renamed after a colleague saw the entry, then the next page shows the new name', async () => {
    const writer = await createUser(db, 'agent', { name: 'Chidi Before' });
    const chidi = await signIn(app, writer.email);
    const ticket = await freshTicket();
    await postForm(chidi, `/tickets/${ticket.id}/entries`, {
      kind: 'note',
      body: 'Renamed later.',
    });
    expect((await bola.agent.get(`/tickets/${ticket.id}`)).text).toContain('Chidi Before');
    await db.prisma.user.update({ where: { id: writer.id }, data: { name: 'Chidi After' } });
    const page = await bola.agent.get(`/tickets/${ticket.id}`);
    expect(page.text).toContain('Chidi After');
    expect(page.text).not.toContain('Chidi Before');
  });

  it('when the author edits the entry after a colleague saw it, then the colleague sees the new text', async () => {
    const ticket = await noteSeenByBola('Refund 700.');
    const entry = await db.prisma.ticketEntry.findFirstOrThrow({ where: { ticketId: ticket.id } });
    await postForm(amaka, `/tickets/${ticket.id}/entries/${entry.id}/edit`, {
      body: 'Refund 7,000.',
      version: '1',
    }).expect(303);
    const page = await bola.agent.get(`/tickets/${ticket.id}`);
    expect(page.text).toContain('Refund 7,000.');
    expect(page.text).not.toContain('Refund 700.');
  });

  it('when a ticket a colleague saw is merged into another, then its entries there say where they came from', async () => {
    const duplicate = await noteSeenByBola('Wrote in twice.');
    const survivor = await makeTicket(db, duplicate.customerId, amakaId, amakaId);
    const merged = await postForm(amaka, `/tickets/${duplicate.id}/merge`, {
      intoId: String(survivor.id),
      version: String(duplicate.version),
    });
    expect(merged.status).toBe(303);
    const page = (await bola.agent.get(`/tickets/${survivor.id}`)).text;
    const entry = page.slice(page.lastIndexOf('<li', page.indexOf('Wrote in twice.')));
    expect(entry.slice(0, entry.indexOf('</li>'))).toContain(`from ${duplicate.number}`);
  });

  it('when a colleague in another time zone opens the same thread, then its times are in their zone', async () => {
    const ticket = await noteSeenByBola('Seen around the world.');
    const abroad = await createUser(db, 'agent', { name: 'Dayo Abroad' });
    await db.prisma.user.update({ where: { id: abroad.id }, data: { timeZone: 'Asia/Tokyo' } });
    const dayo = await signIn(app, abroad.email);
    const entry = await db.prisma.ticketEntry.findFirstOrThrow({ where: { ticketId: ticket.id } });
    const tokyo = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Tokyo',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(entry.createdAt);
    const page = (await dayo.agent.get(`/tickets/${ticket.id}`)).text;
    const shown = page.slice(page.indexOf(`id="entry-${entry.id}"`));
    const time = /<time datetime="[^"]+">([^<]+)<\/time>/.exec(shown)?.[1];
    expect(time).toContain(tokyo);
  });
});
