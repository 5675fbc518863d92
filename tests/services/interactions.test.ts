import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchCustomers } from '../../src/modules/customers/picker.js';
import { actorFrom, makeCustomer } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createUser } from '../support/app.js';
import {
  ConflictError,
  ForbiddenError,
  TransitionError,
  ValidationError,
} from '../../src/errors.js';
import { contactLinks } from '../../src/lib/contact-links.js';
import type { Actor } from '../../src/auth/actor.js';
import {
  addNote,
  changeStatus,
  computeDurationSeconds,
  startInteraction,
} from '../../src/modules/interactions/service.js';
import { listInteractions } from '../../src/modules/interactions/queries.js';

let db: TestDatabase;
let agent: Actor, agent2: Actor, supervisor: Actor;
beforeAll(async () => {
  db = await createTestDatabase();
  agent = actorFrom(await createUser(db, 'agent'));
  agent2 = actorFrom(await createUser(db, 'agent'));
  supervisor = actorFrom(await createUser(db, 'supervisor'));
});
afterAll(async () => {
  await db.drop();
});

/** A customer of the test's own, to start interactions with. */
const newCustomerId = async (label?: string) => (await makeCustomer(db, { label: label })).id;

const t0 = new Date('2026-05-01T09:00:00Z');
const sec = (s: number) => new Date(t0.getTime() + s * 1000);

describe('durations', () => {
  it('when a duration is computed, then it is in whole seconds and never negative', () => {
    expect(computeDurationSeconds(t0, sec(125.9))).toBe(125);
    expect(computeDurationSeconds(t0, sec(-50))).toBe(0);
  });

  it('when an interaction ends after a pending period, then the end is stamped and the pending time counts', async () => {
    const customerId = await newCustomerId();
    const { id } = await startInteraction(
      db.prisma,
      agent,
      { customerId, channel: 'call', subject: '' },
      t0,
    );
    await changeStatus(db.prisma, agent, id, { to: 'pending', version: 1, now: sec(60) });
    await changeStatus(db.prisma, agent, id, { to: 'active', version: 2, now: sec(600) });
    await changeStatus(db.prisma, agent, id, { to: 'resolved', version: 3, now: sec(900) });
    const row = await db.prisma.interaction.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: 'resolved', endedAt: sec(900), durationSeconds: 900 });
    const changes = await db.prisma.recordChange.findMany({
      where: { recordType: 'interaction', recordId: id },
      orderBy: { id: 'asc' },
    });
    expect(changes.map((c) => `${c.fromValue}>${c.toValue}`)).toEqual([
      'null>active',
      'active>pending',
      'pending>active',
      'active>resolved',
    ]);
  });

  it('when the clock is behind the start, then no negative duration is stored', async () => {
    const customerId = await newCustomerId();
    const { id } = await startInteraction(
      db.prisma,
      agent,
      { customerId, channel: 'chat', subject: '' },
      sec(100),
    );
    await changeStatus(db.prisma, agent, id, { to: 'resolved', version: 1, now: sec(10) });
    const row = await db.prisma.interaction.findUniqueOrThrow({ where: { id } });
    expect(row.durationSeconds).toBe(0);
    expect(row.endedAt).toEqual(sec(100));
  });
});

describe('lifecycle and policy', () => {
  it('when a transition is illegal or another agent tries it, then it is refused', async () => {
    const customerId = await newCustomerId();
    const { id } = await startInteraction(db.prisma, agent, {
      customerId,
      channel: 'email',
      subject: 'Refund',
    });
    await expect(
      changeStatus(db.prisma, agent, id, { to: 'active', version: 1 }),
    ).rejects.toBeInstanceOf(TransitionError);
    await expect(
      changeStatus(db.prisma, agent2, id, { to: 'pending', version: 1 }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(addNote(db.prisma, agent2, id, { body: 'not mine' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await changeStatus(db.prisma, supervisor, id, { to: 'resolved', version: 1 });
    await expect(
      changeStatus(db.prisma, agent, id, { to: 'pending', version: 2 }),
    ).rejects.toBeInstanceOf(TransitionError);
    await expect(addNote(db.prisma, agent, id, { body: 'too late' })).rejects.toBeInstanceOf(
      TransitionError,
    );
  });

  it('when the version is stale, then a ConflictError carries the current state and nothing is written', async () => {
    const customerId = await newCustomerId();
    const { id } = await startInteraction(
      db.prisma,
      agent,
      { customerId, channel: 'call', subject: 'Stale' },
      t0,
    );
    await changeStatus(db.prisma, supervisor, id, { to: 'resolved', version: 1, now: sec(120) });
    const before = await db.prisma.interaction.findUniqueOrThrow({ where: { id } });
    const changesBefore = await db.prisma.recordChange.count({
      where: { recordType: 'interaction', recordId: id },
    });
    // The agent's page still shows version 1 (active): "Set pending" must not go through…
    const error = await changeStatus(db.prisma, agent, id, {
      to: 'pending',
      version: 1,
      now: sec(300),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(
      (
        error as ConflictError<{
          status: string;
          version: number;
          endedAt: Date;
          lastChange: { toValue: string };
        }>
      ).current,
    ).toMatchObject({
      status: 'resolved',
      version: 2,
      endedAt: sec(120),
      lastChange: { toValue: 'resolved' },
    });
    // …nor may an "End" with the old version restamp the end time.
    await expect(
      changeStatus(db.prisma, agent, id, { to: 'resolved', version: 1, now: sec(300) }),
    ).rejects.toBeInstanceOf(ConflictError);
    // A version from the future is just as stale.
    await expect(
      changeStatus(db.prisma, agent, id, { to: 'pending', version: 99, now: sec(300) }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await db.prisma.interaction.findUniqueOrThrow({ where: { id } })).toEqual(before);
    expect(
      await db.prisma.recordChange.count({ where: { recordType: 'interaction', recordId: id } }),
    ).toBe(changesBefore);
  });

  it('when a note is added, then the version stays, so an open page can still change the status', async () => {
    const customerId = await newCustomerId();
    const { id } = await startInteraction(
      db.prisma,
      agent,
      { customerId, channel: 'chat', subject: '' },
      t0,
    );
    await addNote(db.prisma, agent, id, { body: 'first', now: sec(30) });
    expect((await db.prisma.interaction.findUniqueOrThrow({ where: { id } })).version).toBe(1);
    await changeStatus(db.prisma, agent, id, { to: 'pending', version: 1, now: sec(60) });
    expect((await db.prisma.interaction.findUniqueOrThrow({ where: { id } })).version).toBe(2);
  });

  it('when notes are added, then only the first one sets firstResponseAt', async () => {
    const customerId = await newCustomerId();
    const { id } = await startInteraction(
      db.prisma,
      agent,
      { customerId, channel: 'chat', subject: '' },
      t0,
    );
    await addNote(db.prisma, agent, id, { body: 'first', now: sec(30) });
    await addNote(db.prisma, agent, id, { body: 'second', now: sec(90) });
    const row = await db.prisma.interaction.findUniqueOrThrow({
      where: { id },
      include: { notes: true },
    });
    expect(row.firstResponseAt).toEqual(sec(30));
    expect(row.notes).toHaveLength(2);
  });

  it('when the create key repeats or the customer is unknown, then the first interaction is returned or the start refused', async () => {
    const customerId = await newCustomerId();
    const a = await startInteraction(db.prisma, agent, {
      customerId,
      channel: 'chat',
      subject: '',
      idempotencyKey: 'int-key',
    });
    const b = await startInteraction(db.prisma, agent, {
      customerId,
      channel: 'chat',
      subject: '',
      idempotencyKey: 'int-key',
    });
    expect(b).toEqual({ id: a.id, created: false });
    await expect(
      startInteraction(db.prisma, agent, { customerId: 999999, channel: 'chat', subject: '' }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('when the list is read, then agents see theirs by default, supervisors all, and filters narrow it', async () => {
    const customerId = await newCustomerId('Chidi');
    const other = await startInteraction(
      db.prisma,
      agent2,
      { customerId, channel: 'call', subject: '' },
      t0,
    );
    const mine = await listInteractions(db.prisma, agent, {}, 1);
    expect(mine.scope).toBe('mine');
    expect(mine.rows.every((r) => r.agentId === agent.id)).toBe(true);
    const all = await listInteractions(
      db.prisma,
      supervisor,
      { channel: 'call', customer: 'chidi' },
      1,
    );
    expect(all.rows.map((r) => r.id)).toContain(other.id);
    expect(all.rows.every((r) => r.channel === 'call')).toBe(true);
    const dated = await listInteractions(
      db.prisma,
      supervisor,
      { from: '2026-05-01', to: '2026-05-01' },
      1,
    );
    expect(dated.rows.length).toBeGreaterThan(0);
    expect(dated.rows.every((r) => r.startedAt.toISOString().startsWith('2026-05-01'))).toBe(true);
  });

  it('when a customer is searched for, then name, email and phone digits find them', async () => {
    const { id: customerId } = await db.prisma.customer.create({
      data: {
        firstName: 'Chidi',
        lastName: 'Okafor',
        fullName: 'Chidi Okafor',
        email: 'chidi@example.test',
        phone: '+234 (803) 555-0101',
        phoneDigits: '2348035550101',
      },
    });
    expect((await searchCustomers(db.prisma, 'okaf')).map((c) => c.id)).toEqual([customerId]);
    expect((await searchCustomers(db.prisma, 'chidi@')).map((c) => c.id)).toEqual([customerId]);
    expect((await searchCustomers(db.prisma, '555-0101')).map((c) => c.id)).toEqual([customerId]);
    expect(await searchCustomers(db.prisma, 'x')).toEqual([]);
  });
});

describe('contact links', () => {
  it('when contact details are stored, then WhatsApp, tel and mailto links are built from them', () => {
    expect(contactLinks({ phone: '+234 (803) 555-0101', email: 'chidi@example.test' })).toEqual({
      whatsapp: 'https://wa.me/2348035550101',
      tel: 'tel:+2348035550101',
      mailto: 'mailto:chidi@example.test',
    });
    expect(contactLinks({ phone: '', email: 'not an email' })).toEqual({
      whatsapp: null,
      tel: null,
      mailto: null,
    });
  });
});
