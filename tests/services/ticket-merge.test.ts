import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  ForbiddenError,
  TransitionError,
  ValidationError,
} from '../../src/errors.js';
import { MERGE_MESSAGES, mergeTickets } from '../../src/modules/tickets/merge.js';
import type { Actor } from '../../src/auth/actor.js';
import { changeStatus, getTicket } from '../../src/modules/tickets/service.js';
import { addEntry } from '../../src/modules/tickets/thread.js';
import { createUser } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { actorFrom, makeCustomer, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let agent: Actor, other: Actor;

beforeAll(async () => {
  db = await createTestDatabase();
  agent = actorFrom(await createUser(db, 'agent', { name: 'Amaka Merge' }));
  other = actorFrom(await createUser(db, 'agent', { name: 'Bola Merge' }));
});
afterAll(async () => {
  await db.drop();
});

async function pair(assigneeId: number | null = agent.id) {
  const customer = await makeCustomer(db);
  const survivor = await makeTicket(db, customer.id, agent.id, assigneeId);
  const duplicate = await makeTicket(db, customer.id, agent.id, assigneeId);
  return { customer, survivor, duplicate };
}

describe('merging duplicate tickets', () => {
  it('when two tickets of a customer merge, then the duplicate links to the survivor, whose SLA is kept', async () => {
    const { survivor, duplicate } = await pair();
    const responded = new Date(survivor.createdAt.getTime() + 60_000);
    await db.prisma.supportTicket.update({
      where: { id: survivor.id },
      data: { firstResponseAt: responded, pausedSeconds: 42 },
    });
    const before = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: survivor.id } });
    const at = new Date();
    await mergeTickets(
      db.prisma,
      agent,
      { duplicateId: duplicate.id, survivorId: survivor.id, version: duplicate.version },
      at,
    );

    const after = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: survivor.id } });
    const keep = (t: typeof before) => [
      t.status,
      t.createdAt,
      t.firstResponseAt,
      t.pausedSeconds,
      t.pendingSince,
      t.version,
    ];
    expect(keep(after)).toEqual(keep(before));
    const gone = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: duplicate.id } });
    expect([gone.status, gone.mergedIntoId, gone.mergedAt?.toISOString()]).toEqual([
      'merged',
      survivor.id,
      at.toISOString(),
    ]);
  });

  it('when merged, then both tickets record it in their history', async () => {
    const { survivor, duplicate } = await pair();
    await mergeTickets(db.prisma, agent, {
      duplicateId: duplicate.id,
      survivorId: survivor.id,
      version: 1,
    });
    const history = async (id: number) =>
      (
        await db.prisma.recordChange.findMany({
          where: { recordType: 'ticket', recordId: id },
          orderBy: { id: 'asc' },
        })
      ).map((c) => `${c.field}:${c.toValue}`);
    expect(await history(duplicate.id)).toEqual([
      'status:merged',
      `merged_into:${survivor.number}`,
    ]);
    expect(await history(survivor.id)).toEqual([`merged_from:${duplicate.number}`]);
  });

  it("when merged, then the duplicate's thread is shown on the survivor, marked with where it came from", async () => {
    const { survivor, duplicate } = await pair();
    await addEntry(db.prisma, agent, duplicate.id, {
      kind: 'note',
      body: 'Written on the duplicate.',
    });
    await mergeTickets(db.prisma, agent, {
      duplicateId: duplicate.id,
      survivorId: survivor.id,
      version: 1,
    });
    const { entries, merged } = (await getTicket(db.pool, survivor.id)).thread;
    expect(entries.map((e) => [e.body, e.fromTicket])).toEqual([
      ['Written on the duplicate.', duplicate.number],
    ]);
    expect(merged.map((m) => m.id)).toEqual([duplicate.id]);
  });

  it('when the tickets belong to different customers, then the merge is refused and neither changes', async () => {
    const a = await pair();
    const b = await pair();
    const attempt = mergeTickets(db.prisma, agent, {
      duplicateId: a.duplicate.id,
      survivorId: b.survivor.id,
      version: 1,
    });
    await expect(attempt).rejects.toThrow(MERGE_MESSAGES.otherCustomer);
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    const rows = await db.prisma.supportTicket.findMany({
      where: { id: { in: [a.duplicate.id, b.survivor.id] } },
    });
    expect(rows.map((r) => [r.status, r.version])).toEqual([
      ['open', 1],
      ['open', 1],
    ]);
    const { mergeCandidates } = await getTicket(db.pool, a.duplicate.id);
    expect(mergeCandidates.map((t) => t.id)).toEqual([a.survivor.id]);
  });

  it('when the duplicate changed since the page was loaded, then the merge is a conflict', async () => {
    const { survivor, duplicate } = await pair();
    await changeStatus(db.prisma, agent, duplicate.id, { to: 'pending', version: 1 });
    const stale = mergeTickets(db.prisma, agent, {
      duplicateId: duplicate.id,
      survivorId: survivor.id,
      version: 1,
    });
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    expect(
      (await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: duplicate.id } })).status,
    ).toBe('pending');
  });

  it('when a merged ticket is merged again, or written to, then it is refused', async () => {
    const { survivor, duplicate } = await pair();
    await mergeTickets(db.prisma, agent, {
      duplicateId: duplicate.id,
      survivorId: survivor.id,
      version: 1,
    });
    const again = mergeTickets(db.prisma, agent, {
      duplicateId: survivor.id,
      survivorId: duplicate.id,
      version: 1,
    });
    await expect(again).rejects.toBeInstanceOf(TransitionError);
    await expect(
      addEntry(db.prisma, agent, duplicate.id, { kind: 'note', body: 'Late.' }),
    ).rejects.toBeInstanceOf(TransitionError);
    await expect(
      changeStatus(db.prisma, agent, duplicate.id, { to: 'open', version: 2 }),
    ).rejects.toBeInstanceOf(TransitionError);
  });

  it('when the same pair is merged both ways at once, then exactly one merge wins', async () => {
    const { survivor, duplicate } = await pair();
    const results = await Promise.allSettled([
      mergeTickets(db.prisma, agent, {
        duplicateId: duplicate.id,
        survivorId: survivor.id,
        version: 1,
      }),
      mergeTickets(db.prisma, agent, {
        duplicateId: survivor.id,
        survivorId: duplicate.id,
        version: 1,
      }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rows = await db.prisma.supportTicket.findMany({
      where: { id: { in: [survivor.id, duplicate.id] } },
    });
    expect(rows.filter((r) => r.status === 'merged')).toHaveLength(1);
  });

  it("when an agent tries to merge into a colleague's ticket, then it is not allowed", async () => {
    const customer = await makeCustomer(db);
    const mine = await makeTicket(db, customer.id, agent.id, agent.id);
    const theirs = await makeTicket(db, customer.id, other.id, other.id);
    const attempt = mergeTickets(db.prisma, agent, {
      duplicateId: mine.id,
      survivorId: theirs.id,
      version: 1,
    });
    await expect(attempt).rejects.toBeInstanceOf(ForbiddenError);
  });
});
