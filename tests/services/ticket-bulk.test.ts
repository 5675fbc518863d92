import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkUpdate, SKIP_REASONS } from '../../src/modules/tickets/bulk.js';
import type { Actor } from '../../src/auth/actor.js';
import { bulkForm, type BulkRequest } from '../../src/modules/tickets/schema.js';
import { createUser } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { actorFrom, makeCustomer, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let agent: Actor, other: Actor, supervisor: Actor;
let customerId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  agent = actorFrom(await createUser(db, 'agent', { name: 'Amaka Bulk' }));
  other = actorFrom(await createUser(db, 'agent', { name: 'Bola Bulk' }));
  supervisor = actorFrom(await createUser(db, 'supervisor', { name: 'Sade Bulk' }));
  customerId = (await makeCustomer(db)).id;
});
afterAll(async () => {
  await db.drop();
});

async function tickets(n: number, assigneeId: number | null = agent.id) {
  return Promise.all(
    Array.from({ length: n }, () => makeTicket(db, customerId, agent.id, assigneeId)),
  );
}

function request<A extends BulkRequest['action']>(
  action: A,
  value: Extract<BulkRequest, { action: A }>['value'],
  rows: { id: number; version: number }[],
): BulkRequest {
  return {
    action,
    value,
    ids: rows.map((r) => r.id),
    versions: new Map(rows.map((r) => [r.id, r.version])),
  } as BulkRequest;
}

describe('bulk work on the ticket list', () => {
  it('when one selected row changed meanwhile, then the others change and that one is skipped, untouched', async () => {
    const [a, b, c] = await tickets(3);
    // A colleague raises b's priority after the list was loaded.
    await db.prisma.supportTicket.update({
      where: { id: b.id },
      data: { priority: 'high', version: { increment: 1 } },
    });
    const result = await bulkUpdate(db.prisma, agent, request('status', 'pending', [a, b, c]));
    expect(result.changed.map((r) => r.id)).toEqual([a.id, c.id]);
    expect(result.skipped).toEqual([{ id: b.id, number: b.number, reason: SKIP_REASONS.stale }]);
    const after = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: b.id } });
    expect([after.status, after.priority, after.version]).toEqual(['open', 'high', 2]);
    expect(
      await db.prisma.recordChange.count({ where: { recordType: 'ticket', recordId: b.id } }),
    ).toBe(0);
    for (const t of [a, c])
      expect(
        (await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } })).status,
      ).toBe('pending');
  });

  it("when an agent includes a colleague's ticket, then it is skipped as not allowed, theirs changes", async () => {
    const [mine] = await tickets(1);
    const [theirs] = await tickets(1, other.id);
    const result = await bulkUpdate(
      db.prisma,
      agent,
      request('priority', 'urgent', [mine, theirs]),
    );
    expect(result.changed.map((r) => r.id)).toEqual([mine.id]);
    expect(result.skipped[0]).toMatchObject({ id: theirs.id });
    expect(result.skipped[0].reason).toMatch(/^not allowed/);
    expect(
      (await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: theirs.id } })).priority,
    ).toBe('medium');
  });

  it('when the status change is illegal for a row, then that row is skipped with the reason', async () => {
    const [open, resolved] = await tickets(2);
    await db.prisma.supportTicket.update({
      where: { id: resolved.id },
      data: { status: 'resolved', resolvedAt: new Date() },
    });
    const result = await bulkUpdate(
      db.prisma,
      agent,
      request('status', 'pending', [open, resolved]),
    );
    expect(result.changed.map((r) => r.id)).toEqual([open.id]);
    expect(result.skipped[0].reason).toBe(
      'illegal transition: A resolved ticket cannot be set to pending.',
    );
  });

  it('when an agent tries to assign in bulk, then every row is skipped and nothing is written', async () => {
    const rows = await tickets(2, null);
    const result = await bulkUpdate(db.prisma, agent, request('assign', other.id, rows));
    expect(result.changed).toEqual([]);
    expect(result.skipped.every((r) => r.reason?.startsWith('not allowed'))).toBe(true);
    const after = await db.prisma.supportTicket.findMany({
      where: { id: { in: rows.map((r) => r.id) } },
    });
    expect(after.map((t) => t.assigneeId)).toEqual([null, null]);
  });

  it('when a supervisor assigns in bulk, then each row is assigned, versioned and recorded once', async () => {
    const rows = await tickets(3, null);
    const result = await bulkUpdate(db.prisma, supervisor, request('assign', other.id, rows));
    expect(result.label).toBe('Assign to Bola Bulk');
    expect(result.changed).toHaveLength(3);
    for (const row of rows) {
      const t = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: row.id } });
      expect([t.assigneeId, t.version]).toEqual([other.id, 2]);
      const changes = await db.prisma.recordChange.findMany({
        where: { recordType: 'ticket', recordId: row.id, field: 'assignee' },
      });
      expect(changes.map((c) => c.toValue)).toEqual(['Bola Bulk']);
    }
  });

  it('when a ticket no longer exists or its version is missing, then it is reported, not guessed', async () => {
    const [a] = await tickets(1);
    const result = await bulkUpdate(db.prisma, agent, {
      action: 'priority',
      value: 'low',
      ids: [a.id, 2_000_000_000],
      versions: new Map(),
    });
    expect(result.skipped.map((r) => r.reason)).toEqual([SKIP_REASONS.stale, SKIP_REASONS.gone]);
  });
});

describe('the bulk form', () => {
  it('when "all on this page" is ticked, then the selection is every row the page listed, with their versions', () => {
    const parsed = bulkForm.parse({
      all: '1',
      pageIds: '4,5,6',
      ids: '4',
      v_4: '3',
      v_5: '1',
      v_6: '9',
      action: 'priority',
      priority: 'high',
    });
    expect(parsed.ids).toEqual([4, 5, 6]);
    expect([...parsed.versions]).toEqual([
      [4, 3],
      [5, 1],
      [6, 9],
    ]);
  });

  it('when nothing is selected or no value is chosen, then it says what is missing', () => {
    const none = bulkForm.safeParse({ action: 'status', status: 'pending' });
    expect(none.error?.issues.map((i) => i.message)).toContain('Select at least one ticket.');
    const noValue = bulkForm.safeParse({ ids: ['1'], action: 'priority', priority: '' });
    expect(noValue.error?.issues.map((i) => i.message)).toContain('Choose a priority.');
  });
});
