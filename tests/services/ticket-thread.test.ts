import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConflictError, ForbiddenError } from '../../src/errors.js';
import type { Actor } from '../../src/auth/actor.js';
import { getTicket } from '../../src/modules/tickets/service.js';
import { mergeTickets } from '../../src/modules/tickets/merge.js';
import { addEntry, editEntry, ENTRY_EDIT_WINDOW_MS } from '../../src/modules/tickets/thread.js';
import { buildTimeline } from '../../src/modules/tickets/timeline.js';
import { createUser } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { actorFrom, makeCustomer, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let agent: Actor, colleague: Actor;

beforeAll(async () => {
  db = await createTestDatabase();
  agent = actorFrom(await createUser(db, 'agent', { name: 'Amaka Agent' }));
  colleague = actorFrom(await createUser(db, 'agent', { name: 'Bola Agent' }));
});
afterAll(async () => {
  await db.drop();
});

async function freshTicket() {
  const customer = await makeCustomer(db);
  return makeTicket(db, customer.id, agent.id, agent.id);
}

describe('ticket thread: first response', () => {
  it('when an agent logs an outbound call, then it stops the first-response clock at that moment', async () => {
    const ticket = await freshTicket();
    const at = new Date(ticket.createdAt.getTime() + 30 * 60_000);
    await addEntry(db.prisma, agent, ticket.id, {
      kind: 'contact',
      channel: 'call',
      direction: 'outbound',
      body: 'Called back.',
      now: at,
    });
    const row = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: ticket.id } });
    expect(row.firstResponseAt?.toISOString()).toBe(at.toISOString());
  });

  it('when only a note or an inbound message is added, then the first response is still awaited', async () => {
    const ticket = await freshTicket();
    await addEntry(db.prisma, agent, ticket.id, { kind: 'note', body: 'Checking with billing.' });
    await addEntry(db.prisma, agent, ticket.id, {
      kind: 'contact',
      channel: 'whatsapp',
      direction: 'inbound',
      body: 'Any news?',
    });
    const row = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: ticket.id } });
    expect(row.firstResponseAt).toBeNull();
    expect(await db.prisma.ticketEntry.count({ where: { ticketId: ticket.id } })).toBe(2);
  });

  it('when a later outbound contact is logged, then the first response time stays the first one', async () => {
    const ticket = await freshTicket();
    const first = new Date(ticket.createdAt.getTime() + 60_000);
    await addEntry(db.prisma, agent, ticket.id, {
      kind: 'contact',
      channel: 'sms',
      direction: 'outbound',
      body: 'On it.',
      now: first,
    });
    await addEntry(db.prisma, agent, ticket.id, {
      kind: 'contact',
      channel: 'email',
      direction: 'outbound',
      body: 'Done.',
      now: new Date(first.getTime() + 3_600_000),
    });
    const row = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: ticket.id } });
    expect(row.firstResponseAt?.toISOString()).toBe(first.toISOString());
  });
});

describe('ticket thread: corrections', () => {
  it('when the author edits within 5 minutes, then the text changes, the earlier one kept as a revision', async () => {
    const ticket = await freshTicket();
    const posted = new Date();
    const { id } = await addEntry(db.prisma, agent, ticket.id, {
      kind: 'note',
      body: 'Refund of 500.',
      now: posted,
    });
    const at = new Date(posted.getTime() + ENTRY_EDIT_WINDOW_MS - 1000);
    await editEntry(
      db.prisma,
      agent,
      { ticketId: ticket.id, entryId: id },
      { body: 'Refund of 5,000.', version: 1, now: at },
    );
    const entry = await db.prisma.ticketEntry.findUniqueOrThrow({
      where: { id },
      include: { revisions: true },
    });
    expect(entry.body).toBe('Refund of 5,000.');
    expect(entry.editedAt?.toISOString()).toBe(at.toISOString());
    expect(entry.revisions.map((r) => [r.previousBody, r.editorId])).toEqual([
      ['Refund of 500.', agent.id],
    ]);
  });

  it('when 5 minutes have passed, then even the author cannot change the entry', async () => {
    const ticket = await freshTicket();
    const posted = new Date();
    const { id } = await addEntry(db.prisma, agent, ticket.id, {
      kind: 'note',
      body: 'Original.',
      now: posted,
    });
    const late = new Date(posted.getTime() + ENTRY_EDIT_WINDOW_MS);
    const attempt = editEntry(
      db.prisma,
      agent,
      { ticketId: ticket.id, entryId: id },
      { body: 'Rewritten.', version: 1, now: late },
    );
    await expect(attempt).rejects.toBeInstanceOf(ForbiddenError);
    expect((await db.prisma.ticketEntry.findUniqueOrThrow({ where: { id } })).body).toBe(
      'Original.',
    );
  });

  it("when a colleague tries to edit someone else's fresh entry, then it is refused", async () => {
    const ticket = await freshTicket();
    const { id } = await addEntry(db.prisma, agent, ticket.id, { kind: 'note', body: 'Mine.' });
    const attempt = editEntry(
      db.prisma,
      colleague,
      { ticketId: ticket.id, entryId: id },
      { body: 'Theirs.', version: 1 },
    );
    await expect(attempt).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('when edited in another tab meanwhile, then a stale version conflicts and nothing is overwritten', async () => {
    const ticket = await freshTicket();
    const { id } = await addEntry(db.prisma, agent, ticket.id, { kind: 'note', body: 'One.' });
    await editEntry(
      db.prisma,
      agent,
      { ticketId: ticket.id, entryId: id },
      { body: 'Two.', version: 1 },
    );
    const stale = editEntry(
      db.prisma,
      agent,
      { ticketId: ticket.id, entryId: id },
      { body: 'Three.', version: 1 },
    );
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    expect((await db.prisma.ticketEntry.findUniqueOrThrow({ where: { id } })).body).toBe('Two.');
  });
});

describe('ticket thread: timeline', () => {
  it('when a thread has entries, status and assignment events, then the timeline interleaves them oldest first', () => {
    const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 9, m));
    const entry = (id: number, m: number, body: string) => ({
      id,
      ticketId: 1,
      authorId: 1,
      kind: 'note' as const,
      channel: null,
      direction: null,
      body,
      createdAt: t(m),
      editedAt: null,
      version: 1,
      author: { name: 'Amaka' },
      fromTicket: null,
    });
    const items = buildTimeline({
      entries: [entry(2, 30, 'second'), entry(1, 10, 'first')].sort(
        (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
      ),
      changes: [
        {
          id: 1,
          field: 'status',
          fromValue: null,
          toValue: 'open',
          createdAt: t(0),
          actor: { name: 'Amaka' },
        },
        {
          id: 2,
          field: 'assignee',
          fromValue: null,
          toValue: 'Bola',
          createdAt: t(20),
          actor: { name: 'Sade' },
        },
        {
          id: 3,
          field: 'status',
          fromValue: 'open',
          toValue: 'pending',
          createdAt: t(40),
          actor: null,
        },
      ],
      escalations: [],
      editable: (e) => e.id === 2,
      timeZone: 'Africa/Lagos',
    });
    const shown = items.map((i) =>
      i.type === 'entry' ? `entry:${i.entry.body}:${i.editable}` : `event:${i.text}`,
    );
    const keys = items.flatMap((i) => (i.type === 'entry' ? [i.htmlKey] : []));
    expect(keys[1]).toBeUndefined();
    // Whatever the entry's HTML shows changes its key.
    const keyOf = (changed: object, timeZone = 'Africa/Lagos') => {
      const [item] = buildTimeline({
        entries: [{ ...entry(1, 10, 'first'), ...changed }],
        changes: [],
        escalations: [],
        editable: () => false,
        timeZone,
      });
      return item.type === 'entry' ? item.htmlKey : null;
    };
    const variants = [
      keyOf({}),
      keyOf({}, 'Asia/Tokyo'),
      keyOf({ version: 2 }),
      keyOf({ author: { name: 'Amaka Renamed' } }),
      keyOf({ fromTicket: 'TKT-00000001' }),
    ];
    expect(variants[0]).toBe(keys[0]);
    expect(new Set(variants).size).toBe(variants.length);
    expect(shown).toEqual([
      'event:Opened as open',
      'entry:first:false',
      'event:Assigned to Bola',
      'entry:second:true',
      'event:status: open → pending',
    ]);
  });

  it('when a ticket page is read, then its entries come oldest first with their authors', async () => {
    const ticket = await freshTicket();
    const base = Date.now();
    await addEntry(db.prisma, colleague, ticket.id, {
      kind: 'note',
      body: 'later',
      now: new Date(base + 1000),
    });
    await addEntry(db.prisma, agent, ticket.id, {
      kind: 'note',
      body: 'earlier',
      now: new Date(base),
    });
    const { entries } = (await getTicket(db.pool, ticket.id)).thread;
    expect(entries.map((e) => [e.body, e.author.name])).toEqual([
      ['earlier', 'Amaka Agent'],
      ['later', 'Bola Agent'],
    ]);
  });
});

describe('ticket thread: read again only when it changed', () => {
  const bodies = async (id: number) => (await getTicket(db.pool, id)).thread.entries;

  it('when a page is read twice with nothing changed, then the second read brings no entries back', async () => {
    const ticket = await freshTicket();
    await addEntry(db.prisma, agent, ticket.id, { kind: 'note', body: 'Only once.' });
    await bodies(ticket.id);
    const sent = vi.spyOn(db.pool, 'query');
    try {
      expect((await bodies(ticket.id)).map((e) => e.body)).toEqual(['Only once.']);
      const result = (await sent.mock.results[0].value) as { rows: { entries: unknown }[] };
      expect(result.rows[0].entries).toBeNull();
    } finally {
      sent.mockRestore();
    }
  });

  it('when another instance adds, edits or renames after a read, then the next read shows it', async () => {
    const ticket = await freshTicket();
    const first = await addEntry(db.prisma, agent, ticket.id, { kind: 'note', body: 'v1' });
    await bodies(ticket.id);
    await db.pool.query(
      `UPDATE ticket_entries SET body = 'v2', version = version + 1 WHERE id = $1`,
      [first.id],
    );
    expect((await bodies(ticket.id)).map((e) => e.body)).toEqual(['v2']);
    await db.pool.query(
      `INSERT INTO ticket_entries (ticket_id, author_id, kind, body) VALUES ($1, $2, 'note', 'v3')`,
      [ticket.id, colleague.id],
    );
    expect((await bodies(ticket.id)).map((e) => e.body)).toEqual(['v2', 'v3']);
    await db.pool.query(`UPDATE users SET name = 'Bola Renamed' WHERE id = $1`, [colleague.id]);
    try {
      expect((await bodies(ticket.id)).map((e) => e.author.name)).toEqual([
        'Amaka Agent',
        'Bola Renamed',
      ]);
    } finally {
      await db.pool.query(`UPDATE users SET name = 'Bola Agent' WHERE id = $1`, [colleague.id]);
    }
  });

  it('when a duplicate is merged in after a read, then the survivor shows its entries marked', async () => {
    const survivor = await freshTicket();
    const duplicate = await makeTicket(db, survivor.customerId, agent.id, agent.id);
    await addEntry(db.prisma, agent, survivor.id, { kind: 'note', body: 'on the survivor' });
    await addEntry(db.prisma, agent, duplicate.id, { kind: 'note', body: 'on the duplicate' });
    await bodies(survivor.id);
    await mergeTickets(db.prisma, agent, {
      duplicateId: duplicate.id,
      survivorId: survivor.id,
      version: duplicate.version,
    });
    const entries = await bodies(survivor.id);
    expect(entries.map((e) => [e.body, e.fromTicket])).toEqual([
      ['on the survivor', null],
      ['on the duplicate', duplicate.number],
    ]);
  });
});
