import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listTickets } from '../../src/modules/tickets/queries.js';
import { actorFrom } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createUser } from '../support/app.js';
import {
  ConflictError,
  ForbiddenError,
  TransitionError,
  ValidationError,
} from '../../src/errors.js';
import {
  assignTicket,
  changeStatus,
  claimTicket,
  editTicket,
} from '../../src/modules/tickets/service.js';
import { createTicket, MAX_NUMBER_ATTEMPTS } from '../../src/modules/tickets/create.js';
import type { Actor } from '../../src/auth/actor.js';
import type { CreateInput } from '../../src/modules/tickets/schema.js';

let db: TestDatabase;
let agent: Actor, agent2: Actor, supervisor: Actor;
let customerId: number;
let seq = 0;

async function makeCustomer(name = 'Ada Obi') {
  seq += 1;
  const [first, last] = name.split(' ');
  const c = await db.prisma.customer.create({
    data: {
      firstName: first,
      lastName: last,
      fullName: name,
      email: `c${seq}-${Date.now()}@example.test`,
      phone: '+234 801 234 5678',
      phoneDigits: '2348012345678',
    },
  });
  return c.id;
}

const input = (overrides: Partial<CreateInput> = {}): CreateInput => ({
  customerId,
  category: 'billing',
  priority: 'medium',
  subject: 'Charged twice',
  description: 'Two debits',
  ...overrides,
});
beforeAll(async () => {
  db = await createTestDatabase();
  agent = actorFrom(await createUser(db, 'agent', { name: 'Amaka Agent' }));
  agent2 = actorFrom(await createUser(db, 'agent', { name: 'Bola Agent' }));
  supervisor = actorFrom(await createUser(db, 'supervisor', { name: 'Sade Supervisor' }));
  customerId = await makeCustomer();
});
afterAll(async () => {
  await db.drop();
});

describe('ticket numbering', () => {
  it('when a ticket is created, then it is numbered TKT- plus 8 upper-case letters/digits, open, medium by default', async () => {
    const { id, number, created } = await createTicket(db.prisma, agent, input());
    expect(created).toBe(true);
    expect(number).toMatch(/^TKT-[A-Z0-9]{8}$/);
    const row = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      status: 'open',
      priority: 'medium',
      createdById: agent.id,
      assigneeId: null,
    });
  });

  it('when the generated number collides, then creation retries with a fresh one', async () => {
    const first = await createTicket(db.prisma, agent, input(), {
      makeNumber: () => 'TKT-COLLIDE1',
    });
    const numbers = ['TKT-COLLIDE1', 'TKT-COLLIDE1', 'TKT-FRESH001'];
    let calls = 0;
    const second = await createTicket(db.prisma, agent, input(), {
      makeNumber: () => numbers[calls++],
    });
    expect(first.number).toBe('TKT-COLLIDE1');
    expect(second.number).toBe('TKT-FRESH001');
    expect(calls).toBe(3);
  });

  it('when every generated number collides, then creation gives up after the maximum number of attempts', async () => {
    await createTicket(db.prisma, agent, input(), { makeNumber: () => 'TKT-COLLIDE2' });
    let calls = 0;
    await expect(
      createTicket(db.prisma, agent, input(), {
        makeNumber: () => {
          calls++;
          return 'TKT-COLLIDE2';
        },
      }),
    ).rejects.toThrow(/unique ticket number/);
    expect(calls).toBe(MAX_NUMBER_ATTEMPTS);
  });

  it('when the same idempotency key comes again, also concurrently, then the first ticket is returned', async () => {
    const a = await createTicket(db.prisma, agent, input({ idempotencyKey: 'key-1' }));
    const b = await createTicket(db.prisma, agent, input({ idempotencyKey: 'key-1' }));
    expect(b).toEqual({ ...a, created: false });
    const [c, d] = await Promise.all([
      createTicket(db.prisma, agent, input({ idempotencyKey: 'key-2' })),
      createTicket(db.prisma, agent, input({ idempotencyKey: 'key-2' })),
    ]);
    expect(c.id).toBe(d.id);
    expect(await db.prisma.supportTicket.count({ where: { idempotencyKey: 'key-2' } })).toBe(1);
  });

  it('when a ticket links another customer’s interaction, then it is refused; links are recorded in history', async () => {
    const other = await makeCustomer('Other Person');
    const interaction = await db.prisma.interaction.create({
      data: { customerId: other, agentId: agent.id, channel: 'chat' },
    });
    await expect(
      createTicket(db.prisma, agent, input({ interactionId: interaction.id })),
    ).rejects.toBeInstanceOf(ValidationError);
    const ok = await createTicket(
      db.prisma,
      agent,
      input({ customerId: other, interactionId: interaction.id }),
    );
    const changes = await db.prisma.recordChange.findMany({
      where: { recordType: 'ticket', recordId: ok.id },
    });
    expect(changes.map((c) => c.field).sort()).toEqual(['interaction', 'status']);
  });
});

describe('claiming', () => {
  it('when two agents claim the same ticket at once, then exactly one wins', async () => {
    const { id } = await createTicket(db.prisma, agent, input());
    const results = await Promise.all([
      claimTicket(db.prisma, agent, id),
      claimTicket(db.prisma, agent2, id),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const loser = results.find((r) => !r.ok)!;
    const row = await db.prisma.supportTicket.findUniqueOrThrow({
      where: { id },
      include: { assignee: true },
    });
    expect(loser).toEqual({ ok: false, ownerName: row.assignee!.name, reason: 'taken' });
    expect(row.firstResponseAt).not.toBeNull();
    expect(
      await db.prisma.recordChange.count({
        where: { recordType: 'ticket', recordId: id, field: 'assignee' },
      }),
    ).toBe(1);
  });
});

describe('status transitions and the SLA clock', () => {
  it('when a ticket goes pending, resolved and reopened, then the clock pauses, resolution is stamped and reopens are counted', async () => {
    const t0 = new Date('2026-03-01T08:00:00Z');
    const min = (m: number) => new Date(t0.getTime() + m * 60_000);
    const { id } = await createTicket(db.prisma, agent, input(), { now: t0 });
    await changeStatus(db.prisma, agent, id, { to: 'pending', version: 1, now: min(10) });
    let row = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id } });
    expect(row.pendingSince).toEqual(min(10));
    expect(row.firstResponseAt).toEqual(min(10));
    await changeStatus(db.prisma, agent, id, { to: 'open', version: 2, now: min(40) });
    row = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id } });
    expect(row.pendingSince).toBeNull();
    expect(row.pausedSeconds).toBe(30 * 60);
    await changeStatus(db.prisma, agent, id, { to: 'resolved', version: 3, now: min(60) });
    row = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: 'resolved', resolvedAt: min(60), resolvedById: agent.id });
    await changeStatus(db.prisma, supervisor, id, { to: 'open', version: 4, now: min(100) });
    row = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      status: 'open',
      resolvedAt: null,
      resolvedById: null,
      reopenCount: 1,
      pausedSeconds: 70 * 60,
    });
    const history = await db.prisma.recordChange.findMany({
      where: { recordType: 'ticket', recordId: id, field: 'status' },
      orderBy: { id: 'asc' },
    });
    expect(history.map((h) => `${h.fromValue}>${h.toValue}`)).toEqual([
      'null>open',
      'open>pending',
      'pending>open',
      'open>resolved',
      'resolved>open',
    ]);
  });

  it('when a transition is illegal, then it is refused', async () => {
    const { id } = await createTicket(db.prisma, agent, input());
    await expect(
      changeStatus(db.prisma, agent, id, { to: 'open', version: 1 }),
    ).rejects.toBeInstanceOf(TransitionError);
    await expect(
      changeStatus(db.prisma, agent, id, { to: 'escalated', version: 1 }),
    ).rejects.toBeInstanceOf(TransitionError);
    await changeStatus(db.prisma, agent, id, { to: 'resolved', version: 1 });
    await expect(
      changeStatus(db.prisma, agent, id, { to: 'pending', version: 2 }),
    ).rejects.toBeInstanceOf(TransitionError);
  });

  it('when the version is stale or the ticket someone else’s, then the status change is refused', async () => {
    const { id } = await createTicket(db.prisma, agent, input());
    await claimTicket(db.prisma, agent, id); // version 2
    await expect(
      changeStatus(db.prisma, agent, id, { to: 'pending', version: 1 }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      changeStatus(db.prisma, agent2, id, { to: 'pending', version: 2 }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await changeStatus(db.prisma, supervisor, id, { to: 'pending', version: 2 });
  });
});

describe('editing and assigning with versions', () => {
  it('when a ticket is edited, then the current version saves with history and a stale one is refused with the saved values', async () => {
    const { id } = await createTicket(db.prisma, agent, input());
    await editTicket(db.prisma, agent, id, {
      subject: 'New subject',
      description: 'Two debits',
      category: 'technical',
      priority: 'high',
      version: 1,
    });
    const changes = await db.prisma.recordChange.findMany({
      where: {
        recordType: 'ticket',
        recordId: id,
        field: { in: ['subject', 'category', 'priority'] },
      },
    });
    expect(changes).toHaveLength(3);
    const error = await editTicket(db.prisma, agent, id, {
      subject: 'Mine',
      description: 'x',
      category: 'billing',
      priority: 'low',
      version: 1,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError<{ subject: string; version: number }>).current).toMatchObject({
      subject: 'New subject',
      version: 2,
    });
  });

  it('when someone assigns a ticket, then only managers may, with a version check', async () => {
    const { id } = await createTicket(db.prisma, agent, input());
    await expect(
      assignTicket(db.prisma, agent, id, { assigneeId: agent.id, version: 1 }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await assignTicket(db.prisma, supervisor, id, { assigneeId: agent2.id, version: 1 });
    await expect(
      assignTicket(db.prisma, supervisor, id, { assigneeId: agent.id, version: 1 }),
    ).rejects.toBeInstanceOf(ConflictError);
    const row = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id } });
    expect(row.assigneeId).toBe(agent2.id);
  });
});

describe('lists', () => {
  it('when tickets are listed, then they are ordered by priority then oldest first across the whole result, and SLA is filtered in SQL', async () => {
    const cust = await makeCustomer('Zed Listtest');
    const now = new Date();
    const ago = (m: number) => new Date(now.getTime() - m * 60_000);
    const mk = async (priority: CreateInput['priority'], createdAt: Date, subject: string) =>
      (
        await createTicket(db.prisma, supervisor, input({ customerId: cust, priority, subject }), {
          now: createdAt,
        })
      ).id;
    const low = await mk('low', ago(10), 'low one');
    const urgentNew = await mk('urgent', ago(5), 'urgent new');
    const urgentOld = await mk('urgent', ago(30), 'urgent old'); // first response due in 30 min → due soon
    const urgentBreached = await mk('urgent', ago(300), 'urgent breached');
    const high = await mk('high', ago(20), 'high one');
    const { tickets } = await listTickets(
      db.pool,
      supervisor,
      { customer: String(cust) },
      { page: 1, now },
    );
    expect(tickets.map((t) => t.id)).toEqual([urgentBreached, urgentOld, urgentNew, high, low]);

    const breached = await listTickets(
      db.pool,
      supervisor,
      { customer: String(cust), sla: 'breached' },
      { page: 1, now },
    );
    expect(breached.tickets.map((t) => t.id)).toEqual([urgentBreached]);
    const soon = await listTickets(
      db.pool,
      supervisor,
      { customer: String(cust), sla: 'due_soon' },
      { page: 1, now },
    );
    expect(soon.tickets.map((t) => t.id)).toEqual([urgentOld, urgentNew]);

    // A pending period stops the clock: pending for 280 of its 300 minutes → not breached.
    await db.prisma.supportTicket.update({
      where: { id: urgentBreached },
      data: { status: 'pending', firstResponseAt: ago(299), pendingSince: ago(280) },
    });
    const after = await listTickets(
      db.pool,
      supervisor,
      { customer: String(cust), sla: 'breached' },
      { page: 1, now },
    );
    expect(after.tickets).toHaveLength(0);
  });

  it('when the list is paged, then the first pages are named with their window and a deep page binds it', async () => {
    const sent = vi.spyOn(db.pool, 'query');
    try {
      for (const page of [1, 2, 2, 7])
        await listTickets(db.pool, supervisor, { view: 'all' }, { page });
      const configs = sent.mock.calls.map(
        ([config]) => config as unknown as { name?: string; text: string },
      );
      const [first, second, again, deep] = configs;
      expect([first.name, second.name]).toEqual([expect.any(String), expect.any(String)]);
      expect(second.name).not.toBe(first.name);
      expect(again.name).toBe(second.name);
      expect(second.text).toMatch(/OFFSET 25\b/);
      expect(deep.name).toBeUndefined();
      expect(deep.text).not.toMatch(/OFFSET \d/);
    } finally {
      sent.mockRestore();
    }
  });

  it('when the list is searched, then its statement is planned for the pattern on every call', async () => {
    const sent = vi.spyOn(db.pool, 'query');
    try {
      for (const page of [1, 2]) {
        await listTickets(db.pool, supervisor, { view: 'all', q: 'refund' }, { page });
        await listTickets(db.pool, supervisor, { view: 'all', customer: 'Ade' }, { page });
      }
      const names = sent.mock.calls.map(([config]) => (config as { name?: string }).name);
      expect(names).toEqual([undefined, undefined, undefined, undefined]);
    } finally {
      sent.mockRestore();
    }
  });

  it('when the unfiltered list spans pages, then the priority-then-oldest order holds across them', async () => {
    const rank = { urgent: 0, high: 1, medium: 2, low: 3 } as const;
    const priorities = ['low', 'urgent', 'medium', 'high'] as const;
    for (let i = 0; i < 30; i++)
      await createTicket(db.prisma, supervisor, input({ priority: priorities[i % 4] }), {
        now: new Date(Date.UTC(2025, 0, 1, 0, 30 - i)),
      });
    const seen: { id: number; priority: keyof typeof rank; createdAt: Date }[] = [];
    for (let page = 1; page < 20; page++) {
      const { tickets, hasMore } = await listTickets(
        db.pool,
        supervisor,
        { view: 'all' },
        { page },
      );
      seen.push(...tickets);
      if (!hasMore) break;
    }
    expect(seen).toHaveLength(await db.prisma.supportTicket.count());
    expect(new Set(seen.map((t) => t.id)).size).toBe(seen.length);
    const sorted = [...seen].sort(
      (a, b) =>
        rank[a.priority] - rank[b.priority] ||
        a.createdAt.getTime() - b.createdAt.getTime() ||
        a.id - b.id,
    );
    expect(seen.map((t) => t.id)).toEqual(sorted.map((t) => t.id));
    const open = await listTickets(
      db.pool,
      supervisor,
      { status: 'open', priority: 'low' },
      { page: 1 },
    );
    expect(open.tickets.every((t) => t.status === 'open' && t.priority === 'low')).toBe(true);
  });

  it('when tickets are searched, then exact number, subject and customer name match; agents cannot list all', async () => {
    const cust = await makeCustomer('Ngozi Searchable');
    const t = await createTicket(
      db.prisma,
      agent,
      input({ customerId: cust, subject: 'Prescription refill question' }),
    );
    const byNumber = await listTickets(
      db.pool,
      supervisor,
      { q: t.number.toLowerCase() },
      { page: 1 },
    );
    expect(byNumber.tickets.map((x) => x.id)).toEqual([t.id]);
    expect(
      (await listTickets(db.pool, supervisor, { q: 'refill quest' }, { page: 1 })).tickets.map(
        (x) => x.id,
      ),
    ).toContain(t.id);
    expect(
      (await listTickets(db.pool, supervisor, { q: 'ngozi search' }, { page: 1 })).tickets.map(
        (x) => x.id,
      ),
    ).toContain(t.id);
    expect(
      (await listTickets(db.pool, supervisor, { q: '100%_' }, { page: 1 })).tickets,
    ).toHaveLength(0);
    await expect(listTickets(db.pool, agent, { view: 'all' }, { page: 1 })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    const mine = await listTickets(db.pool, agent2, {}, { page: 1 });
    expect(mine.view).toBe('mine');
    expect(mine.tickets.every((x) => x.assigneeId === agent2.id)).toBe(true);
  });
});
