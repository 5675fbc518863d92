import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TransitionError,
  ValidationError,
} from '../../src/errors.js';
import {
  raiseForm,
  resolveForm,
  closeForm,
  listQuery,
  type RaiseInput,
} from '../../src/modules/escalations/schema.js';
import {
  closeEscalation,
  resolveEscalation,
  takeEscalation,
} from '../../src/modules/escalations/lifecycle.js';
import { isStale } from '../../src/modules/escalations/policy.js';
import {
  listEscalations,
  listRecipients,
  visibleEscalationIds,
} from '../../src/modules/escalations/queries.js';
import { raiseEscalation } from '../../src/modules/escalations/raise.js';
import { getEscalation } from '../../src/modules/escalations/service.js';
import { changeStatus } from '../../src/modules/tickets/service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createUser } from '../support/app.js';
import {
  makeConsultation,
  makeCustomer,
  makeInteraction,
  makeTicket,
} from '../support/fixtures.js';

let db: TestDatabase;

type U = { id: number; role: 'agent' | 'supervisor' | 'admin' | 'doctor' };
let agent: U, agent2: U, supervisor: U, admin: U, admin2: U, doctor: U, doctor2: U;

async function ticket(
  assigneeId: number | null = null,
  status: 'open' | 'pending' | 'resolved' | 'escalated' = 'open',
) {
  const c = await makeCustomer(db);
  const made = await makeTicket(db, c.id, agent.id, assigneeId);
  if (status === 'open') return made;
  return db.prisma.supportTicket.update({ where: { id: made.id }, data: { status } });
}

async function interaction() {
  const c = await makeCustomer(db);
  return makeInteraction(db, c.id, agent.id);
}

async function consultation() {
  const c = await makeCustomer(db);
  return makeConsultation(db, c.id, { doctorId: doctor.id });
}

function input(
  targetType: 'admin' | 'doctor',
  targetUserId: number,
  extra: Partial<RaiseInput> = {},
): RaiseInput {
  return {
    targetType,
    targetUserId,
    reason: 'Customer disputes a double charge on the card.',
    idempotencyKey: randomUUID(),
    ...extra,
  };
}

async function raiseOnTicket(target: U = admin, by: U = agent) {
  const t = await ticket(by.role === 'agent' ? by.id : null);
  const r = await raiseEscalation(
    db.prisma,
    by,
    { ticketId: t.id },
    input(target.role as 'admin' | 'doctor', target.id),
  );
  return { ticket: t, id: r.id };
}

async function versionOf(id: number) {
  return (
    await db.prisma.escalation.findUniqueOrThrow({ where: { id }, select: { version: true } })
  ).version;
}

beforeAll(async () => {
  db = await createTestDatabase();
  agent = await createUser(db, 'agent');
  agent2 = await createUser(db, 'agent');
  supervisor = await createUser(db, 'supervisor');
  admin = await createUser(db, 'admin');
  admin2 = await createUser(db, 'admin');
  doctor = await createUser(db, 'doctor');
  doctor2 = await createUser(db, 'doctor');
});
afterAll(async () => {
  await db.drop();
});

describe('raising', () => {
  it('when an agent raises from a ticket, then the customer is stored, the ticket is escalated and both changes are recorded', async () => {
    const t = await ticket(agent.id);
    const { id, created } = await raiseEscalation(
      db.prisma,
      agent,
      { ticketId: t.id },
      input('admin', admin.id),
    );
    expect(created).toBe(true);
    const e = await db.prisma.escalation.findUniqueOrThrow({ where: { id } });
    expect(e).toMatchObject({
      customerId: t.customerId,
      ticketId: t.id,
      status: 'pending',
      targetType: 'admin',
      targetUserId: admin.id,
      raisedById: agent.id,
    });
    const after = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } });
    expect(after.status).toBe('escalated');
    expect(after.version).toBe(t.version + 1);
    const change = await db.prisma.recordChange.findFirst({
      where: { recordType: 'ticket', recordId: t.id, field: 'status' },
    });
    expect(change).toMatchObject({ fromValue: 'open', toValue: 'escalated', actorId: agent.id });
    const history = await db.prisma.recordChange.findMany({
      where: { recordType: 'escalation', recordId: id },
    });
    expect(history.map((h) => h.toValue)).toEqual(['pending']);
  });

  it('when an escalation is raised from a pending ticket, then its SLA pause clock stops', async () => {
    const t = await ticket(agent.id, 'pending');
    await db.prisma.supportTicket.update({
      where: { id: t.id },
      data: { pendingSince: new Date(Date.now() - 60_000) },
    });
    await raiseEscalation(db.prisma, agent, { ticketId: t.id }, input('admin', admin.id));
    const after = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } });
    expect(after.status).toBe('escalated');
    expect(after.pendingSince).toBeNull();
    expect(after.pausedSeconds).toBeGreaterThanOrEqual(59);
  });

  it('when raised from an interaction or a consultation, then the customer is taken from that source', async () => {
    const i = await interaction();
    const a = await raiseEscalation(
      db.prisma,
      agent,
      { interactionId: i.id },
      input('doctor', doctor.id),
    );
    expect(await db.prisma.escalation.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({
      interactionId: i.id,
      customerId: i.customerId,
      ticketId: null,
    });
    const c = await consultation();
    const b = await raiseEscalation(
      db.prisma,
      supervisor,
      { consultationId: c.id },
      input('doctor', doctor2.id),
    );
    expect(await db.prisma.escalation.findUniqueOrThrow({ where: { id: b.id } })).toMatchObject({
      consultationId: c.id,
      customerId: c.customerId,
    });
  });

  it('when the source is missing, the ticket resolved or the raiser not staff, then it is refused', async () => {
    await expect(
      raiseEscalation(db.prisma, agent, { ticketId: 99_999_999 }, input('admin', admin.id)),
    ).rejects.toBeInstanceOf(NotFoundError);
    const t = await ticket(agent.id, 'resolved');
    await expect(
      raiseEscalation(db.prisma, agent, { ticketId: t.id }, input('admin', admin.id)),
    ).rejects.toBeInstanceOf(ValidationError);
    const open = await ticket(agent.id);
    await expect(
      raiseEscalation(db.prisma, doctor, { ticketId: open.id }, input('admin', admin.id)),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('when the reason is under 10 or over 1000 characters once trimmed, then the form refuses it', () => {
    const base = { targetType: 'admin', targetUserId: String(admin.id) };
    expect(raiseForm.safeParse({ ...base, reason: '  short    ' }).success).toBe(false);
    expect(raiseForm.safeParse({ ...base, reason: 'x'.repeat(10) }).success).toBe(true);
    expect(raiseForm.safeParse({ ...base, reason: 'x'.repeat(1000) }).success).toBe(true);
    expect(raiseForm.safeParse({ ...base, reason: 'x'.repeat(1001) }).success).toBe(false);
    expect(
      raiseForm.safeParse({ ...base, targetType: 'nurse', reason: 'x'.repeat(20) }).success,
    ).toBe(false);
    expect(
      raiseForm.safeParse({ targetType: 'admin', targetUserId: '', reason: 'x'.repeat(20) })
        .success,
    ).toBe(false);
  });

  it('when the recipient is inactive, unavailable or not of the target type, then it is refused', async () => {
    const t = await ticket(agent.id);
    const inactiveAdmin = await createUser(db, 'admin', { active: false });
    const busyDoctor = await createUser(db, 'doctor');
    await db.prisma.doctorProfile.update({
      where: { userId: busyDoctor.id },
      data: { available: false },
    });
    for (const bad of [
      input('admin', doctor.id),
      input('doctor', admin.id),
      input('admin', inactiveAdmin.id),
      input('doctor', busyDoctor.id),
      input('admin', agent2.id),
      input('doctor', 99_999_999),
    ]) {
      const error = await raiseEscalation(db.prisma, agent, { ticketId: t.id }, bad).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fieldErrors.targetUserId).toBeTruthy();
    }
    expect(await db.prisma.escalation.count({ where: { ticketId: t.id } })).toBe(0);
    expect((await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } })).status).toBe(
      'open',
    );
    const recipients = await listRecipients(db.prisma);
    expect(recipients.admins.map((a) => a.id)).toContain(admin.id);
    expect(recipients.admins.map((a) => a.id)).not.toContain(inactiveAdmin.id);
    expect(recipients.doctors.map((d) => d.id)).toContain(doctor.id);
    expect(recipients.doctors.map((d) => d.id)).not.toContain(busyDoctor.id);
    expect(recipients.doctors.find((d) => d.id === doctor.id)?.specialization).toBe(
      'General practice',
    );
  });

  it('when the same key is raised twice, even concurrently, then one escalation exists', async () => {
    const t = await ticket(agent.id);
    const key = randomUUID();
    const [a, b] = await Promise.all([
      raiseEscalation(
        db.prisma,
        agent,
        { ticketId: t.id },
        input('admin', admin.id, { idempotencyKey: key }),
      ),
      raiseEscalation(
        db.prisma,
        agent,
        { ticketId: t.id },
        input('admin', admin.id, { idempotencyKey: key }),
      ),
    ]);
    expect(a.id).toBe(b.id);
    const again = await raiseEscalation(
      db.prisma,
      agent,
      { ticketId: t.id },
      input('admin', admin.id, { idempotencyKey: key }),
    );
    expect(again).toEqual({ id: a.id, created: false });
    expect(await db.prisma.escalation.count({ where: { idempotencyKey: key } })).toBe(1);
    expect(
      await db.prisma.recordChange.count({ where: { recordType: 'ticket', recordId: t.id } }),
    ).toBe(1);
  });
});

describe('take / resolve / close', () => {
  it('when the recipient takes a pending escalation, then it is in progress with takenAt and a new version', async () => {
    const { id } = await raiseOnTicket(doctor);
    await takeEscalation(db.prisma, doctor, id, { version: 1 });
    const e = await db.prisma.escalation.findUniqueOrThrow({ where: { id } });
    expect(e.status).toBe('in_progress');
    expect(e.takenAt).toBeInstanceOf(Date);
    expect(e.version).toBe(2);
    await expect(takeEscalation(db.prisma, doctor, id, { version: 2 })).rejects.toBeInstanceOf(
      TransitionError,
    );
  });

  it('when resolved with the ticket back to pending, then the resolver is stamped and the changes recorded', async () => {
    const { id, ticket: t } = await raiseOnTicket(doctor);
    await takeEscalation(db.prisma, doctor, id, { version: 1 });
    await resolveEscalation(
      db.prisma,
      doctor,
      id,
      resolveForm.parse({
        version: '2',
        outcome: 'Advised a follow-up call.',
        ticketStatus: 'pending',
      }),
    );
    const e = await db.prisma.escalation.findUniqueOrThrow({ where: { id } });
    expect(e).toMatchObject({
      status: 'resolved',
      outcome: 'Advised a follow-up call.',
      resolvedById: doctor.id,
    });
    expect(e.resolvedAt).toBeInstanceOf(Date);
    const after = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } });
    expect(after.status).toBe('pending');
    expect(after.pendingSince).toBeInstanceOf(Date);
    expect(after.resolvedAt).toBeNull();
    const ticketChanges = await db.prisma.recordChange.findMany({
      where: { recordType: 'ticket', recordId: t.id },
      orderBy: { id: 'asc' },
    });
    expect(ticketChanges.map((c) => `${c.fromValue}>${c.toValue}`)).toEqual([
      'open>escalated',
      'escalated>pending',
    ]);
    const detail = await getEscalation(db.prisma, doctor, id);
    expect(detail.timeline.map((c) => c.toValue)).toEqual(['pending', 'in_progress', 'resolved']);
    expect(detail.resolvedBy?.id).toBe(doctor.id);
  });

  it('when resolved with the ticket resolved, then the ticket gets resolvedAt and resolvedById', async () => {
    const { id, ticket: t } = await raiseOnTicket(admin);
    await resolveEscalation(
      db.prisma,
      admin,
      id,
      resolveForm.parse({ version: '1', outcome: 'Refund issued.', ticketStatus: 'resolved' }),
    );
    const after = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } });
    expect(after).toMatchObject({ status: 'resolved', resolvedById: admin.id });
    expect(after.resolvedAt).toBeInstanceOf(Date);
  });

  it('when an escalation is raised on a ticket nobody has answered, then that is its first response', async () => {
    const t = await ticket(agent.id);
    const at = new Date('2026-03-02T10:00:00Z');
    await raiseEscalation(
      db.prisma,
      agent,
      { ticketId: t.id },
      { ...input('admin', admin.id), now: at },
    );
    const after = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } });
    expect(after.firstResponseAt).toEqual(at);
  });

  it('when a ticket resolved meanwhile is sent back to pending by the escalation, then it is reopened', async () => {
    const { id, ticket: t } = await raiseOnTicket(admin);
    const resolvedAt = new Date(Date.now() + 60_000);
    await changeStatus(db.prisma, admin, t.id, { to: 'resolved', version: 2, now: resolvedAt });
    const later = new Date(resolvedAt.getTime() + 600_000);
    await resolveEscalation(db.prisma, admin, id, {
      ...resolveForm.parse({ version: '1', outcome: 'Needs more work.', ticketStatus: 'pending' }),
      now: later,
    });
    const after = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } });
    expect(after).toMatchObject({
      status: 'pending',
      resolvedAt: null,
      resolvedById: null,
      reopenCount: 1,
    });
    expect(after.pausedSeconds).toBeGreaterThanOrEqual(600);
  });

  it('when resolving without an outcome of 3–2000 characters or, on a ticket, without a ticket status, then it is refused', async () => {
    expect(resolveForm.safeParse({ version: '1', outcome: ' ab ' }).success).toBe(false);
    expect(resolveForm.safeParse({ version: '1', outcome: 'abc' }).success).toBe(true);
    expect(resolveForm.safeParse({ version: '1', outcome: 'x'.repeat(2001) }).success).toBe(false);
    expect(
      resolveForm.safeParse({ version: '1', outcome: 'abc', ticketStatus: 'open' }).success,
    ).toBe(false);
    const { id } = await raiseOnTicket(admin);
    await expect(
      resolveEscalation(
        db.prisma,
        admin,
        id,
        resolveForm.parse({ version: '1', outcome: 'Done it.' }),
      ),
    ).rejects.toBeInstanceOf(ValidationError);
    expect((await db.prisma.escalation.findUniqueOrThrow({ where: { id } })).status).toBe(
      'pending',
    );
  });

  it('when an escalation from an interaction is resolved, then no ticket status is needed and no ticket changes', async () => {
    const i = await interaction();
    const { id } = await raiseEscalation(
      db.prisma,
      agent,
      { interactionId: i.id },
      input('admin', admin.id),
    );
    await resolveEscalation(
      db.prisma,
      admin,
      id,
      resolveForm.parse({ version: '1', outcome: 'Account unlocked.' }),
    );
    expect((await db.prisma.escalation.findUniqueOrThrow({ where: { id } })).status).toBe(
      'resolved',
    );
  });

  it('when closed without an outcome, then the resolver is stamped and the escalated ticket returns to pending', async () => {
    const { id, ticket: t } = await raiseOnTicket(doctor);
    await closeEscalation(db.prisma, doctor, id, closeForm.parse({ version: '1', outcome: '' }));
    const e = await db.prisma.escalation.findUniqueOrThrow({ where: { id } });
    expect(e).toMatchObject({ status: 'closed', outcome: null, resolvedById: doctor.id });
    expect((await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } })).status).toBe(
      'pending',
    );
  });

  it('when a move the lifecycle does not allow is tried, then TransitionError', async () => {
    const { id } = await raiseOnTicket(admin);
    await closeEscalation(
      db.prisma,
      admin,
      id,
      closeForm.parse({ version: '1', outcome: 'Duplicate' }),
    );
    await expect(
      resolveEscalation(
        db.prisma,
        admin,
        id,
        resolveForm.parse({ version: '2', outcome: 'Too late', ticketStatus: 'pending' }),
      ),
    ).rejects.toBeInstanceOf(TransitionError);
    await expect(takeEscalation(db.prisma, admin, id, { version: 2 })).rejects.toBeInstanceOf(
      TransitionError,
    );
    await expect(
      closeEscalation(db.prisma, admin, id, closeForm.parse({ version: '2' })),
    ).rejects.toBeInstanceOf(TransitionError);
  });

  it('when someone other than the recipient acts, then only an admin on an admin escalation may', async () => {
    const toDoctor = await raiseOnTicket(doctor);
    await expect(
      takeEscalation(db.prisma, admin, toDoctor.id, { version: 1 }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      takeEscalation(db.prisma, supervisor, toDoctor.id, { version: 1 }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      takeEscalation(db.prisma, agent, toDoctor.id, { version: 1 }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      takeEscalation(db.prisma, doctor2, toDoctor.id, { version: 1 }),
    ).rejects.toBeInstanceOf(NotFoundError);
    const toAdmin = await raiseOnTicket(admin);
    await takeEscalation(db.prisma, admin2, toAdmin.id, { version: 1 });
    expect(
      (await db.prisma.escalation.findUniqueOrThrow({ where: { id: toAdmin.id } })).status,
    ).toBe('in_progress');
  });

  it('when the version is stale, then a conflict carries the current state and nothing changes', async () => {
    const { id, ticket: t } = await raiseOnTicket(admin);
    await takeEscalation(db.prisma, admin2, id, { version: 1 });
    const error = await resolveEscalation(
      db.prisma,
      admin,
      id,
      resolveForm.parse({ version: '1', outcome: 'Mine', ticketStatus: 'resolved' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError<{ status: string; version: number }>).current).toMatchObject({
      status: 'in_progress',
      version: 2,
    });
    expect((await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } })).status).toBe(
      'escalated',
    );
    // Two racing resolutions with the same version: exactly one wins.
    const results = await Promise.allSettled([
      resolveEscalation(
        db.prisma,
        admin,
        id,
        resolveForm.parse({ version: '2', outcome: 'A wins', ticketStatus: 'pending' }),
      ),
      resolveEscalation(
        db.prisma,
        admin2,
        id,
        resolveForm.parse({ version: '2', outcome: 'B wins', ticketStatus: 'resolved' }),
      ),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ConflictError);
    expect(await versionOf(id)).toBe(3);
    expect(
      await db.prisma.recordChange.count({
        where: { recordType: 'escalation', recordId: id, toValue: 'resolved' },
      }),
    ).toBe(1);
  });
});

describe('listing and visibility', () => {
  it('when each role lists escalations, then doctors see theirs, agents theirs and their tickets, supervisors all, admins those addressed to them', async () => {
    const mine = await raiseOnTicket(doctor, agent);
    const other = await raiseOnTicket(doctor2, agent2);
    const onAgentTicket = await (async () => {
      const t = await ticket(agent.id);
      return raiseEscalation(db.prisma, supervisor, { ticketId: t.id }, input('admin', admin2.id));
    })();
    const q = listQuery.parse({});
    const idsFor = async (u: U, query = q) =>
      (await listEscalations(db.prisma, u, query, { staleHours: 4 })).rows.map((r) => r.id);

    const doctorIds = await idsFor(doctor);
    expect(doctorIds).toContain(mine.id);
    expect(doctorIds).not.toContain(other.id);
    await expect(getEscalation(db.prisma, doctor, other.id)).rejects.toBeInstanceOf(NotFoundError);

    const agentIds = await idsFor(agent);
    expect(agentIds).toEqual(expect.arrayContaining([mine.id, onAgentTicket.id]));
    expect(agentIds).not.toContain(other.id);
    await expect(getEscalation(db.prisma, agent, other.id)).rejects.toBeInstanceOf(NotFoundError);

    expect(await idsFor(supervisor)).toEqual(
      expect.arrayContaining([mine.id, other.id, onAgentTicket.id]),
    );

    const adminMine = await idsFor(admin2);
    expect(adminMine).toContain(onAgentTicket.id);
    expect(adminMine).not.toContain(mine.id);
    expect(await idsFor(admin2, listQuery.parse({ scope: 'all' }))).toEqual(
      expect.arrayContaining([mine.id, other.id]),
    );
    expect((await getEscalation(db.prisma, admin, other.id)).id).toBe(other.id);
  });

  it('when the list is filtered by status or target type, then rows come newest first, a page at a time', async () => {
    const all = (
      await listEscalations(db.prisma, supervisor, listQuery.parse({}), { staleHours: 4 })
    ).rows;
    const sorted = [...all].sort(
      (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id,
    );
    expect(all.map((r) => r.id)).toEqual(sorted.map((r) => r.id));
    const doctors = (
      await listEscalations(db.prisma, supervisor, listQuery.parse({ target: 'doctor' }), {
        staleHours: 4,
      })
    ).rows;
    expect(doctors.length).toBeGreaterThan(0);
    expect(doctors.every((r) => r.targetType === 'doctor')).toBe(true);
    const resolved = (
      await listEscalations(db.prisma, supervisor, listQuery.parse({ status: 'resolved' }), {
        staleHours: 4,
      })
    ).rows;
    expect(resolved.length).toBeGreaterThan(0);
    expect(resolved.every((r) => r.status === 'resolved')).toBe(true);
    const bogus = listQuery.parse({
      status: 'nope',
      target: 'x',
      stale: 'yes',
      scope: 'everyone',
      page: '-3',
    });
    expect(bogus).toEqual({ page: 1 });
    const total = await db.prisma.escalation.count();
    const page1 = await listEscalations(db.prisma, supervisor, listQuery.parse({}), {
      staleHours: 4,
    });
    expect(page1.rows.length).toBe(Math.min(total, 25));
    expect(page1.hasMore).toBe(total > 25);
  });

  it('when a pending escalation is older than the threshold, then it is flagged stale and the stale filter finds it', async () => {
    const now = new Date();
    expect(isStale('pending', new Date(now.getTime() - 5 * 3_600_000), 4, now)).toBe(true);
    expect(isStale('pending', new Date(now.getTime() - 3 * 3_600_000), 4, now)).toBe(false);
    expect(isStale('in_progress', new Date(now.getTime() - 9 * 3_600_000), 4, now)).toBe(false);
    const t = await ticket(agent.id);
    const old = await raiseEscalation(
      db.prisma,
      agent,
      { ticketId: t.id },
      { ...input('admin', admin.id), now: new Date(now.getTime() - 5 * 3_600_000) },
    );
    const fresh = await raiseOnTicket(admin);
    const staleRows = (
      await listEscalations(db.prisma, supervisor, listQuery.parse({ stale: '1' }), {
        staleHours: 4,
      })
    ).rows;
    expect(staleRows.map((r) => r.id)).toContain(old.id);
    expect(staleRows.map((r) => r.id)).not.toContain(fresh.id);
    expect(staleRows.every((r) => r.stale && r.status === 'pending')).toBe(true);
    const allRows = (
      await listEscalations(db.prisma, supervisor, listQuery.parse({}), { staleHours: 4 })
    ).rows;
    expect(allRows.find((r) => r.id === old.id)?.stale).toBe(true);
    expect(allRows.find((r) => r.id === fresh.id)?.stale).toBe(false);
    // A larger threshold un-flags it.
    const lenient = (
      await listEscalations(db.prisma, supervisor, listQuery.parse({ stale: '1' }), {
        staleHours: 6,
      })
    ).rows;
    expect(lenient.map((r) => r.id)).not.toContain(old.id);
  });
});

describe('which escalations a timeline may link to', () => {
  it('when supervisors and admins ask, then every one is theirs to open without a query; an agent only their own', async () => {
    const mine = await ticket(agent.id);
    const other = await ticket(agent2.id);
    const raise = (t: { id: number }, by: U) =>
      raiseEscalation(db.prisma, by, { ticketId: t.id }, input('admin', admin.id));
    const ids = [(await raise(mine, agent)).id, (await raise(other, agent2)).id];
    const asked = vi.spyOn(db.prisma.escalation, 'findMany');
    try {
      for (const manager of [supervisor, admin])
        expect([...(await visibleEscalationIds(db.prisma, manager, ids))]).toEqual(ids);
      expect(asked).not.toHaveBeenCalled();
      expect([...(await visibleEscalationIds(db.prisma, agent, ids))]).toEqual([ids[0]]);
    } finally {
      asked.mockRestore();
    }
  });
});
