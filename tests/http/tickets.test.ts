import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { makeConsultation, makeCustomer, makeInteraction } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
type Session = Awaited<ReturnType<typeof signIn>>;
const as: Record<'agent' | 'agent2' | 'supervisor' | 'admin' | 'doctor', Session> = {} as never;
const users: Record<string, { id: number; name: string }> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  for (const key of ['agent', 'agent2', 'supervisor', 'admin', 'doctor'] as const) {
    const user = await createUser(db, key === 'agent2' ? 'agent' : key, { name: `Person ${key}` });
    users[key] = user;
    as[key] = await signIn(app, user.email);
  }
});
afterAll(async () => {
  await db.drop();
});

/** The ticket's own fields, as the new-ticket and edit forms send them. */
const fields = (extra: Record<string, string> = {}) => ({
  category: 'billing',
  priority: 'high',
  subject: 'Double charge',
  description: 'Charged twice for one consultation',
  ...extra,
});

const valid = (customerId: number, extra: Record<string, string> = {}) => ({
  customerId: String(customerId),
  ...fields(extra),
});

/** A new ticket through the form, for a new customer unless `customerId` names one. */
async function create(s: Session, extra: Record<string, string> = {}) {
  const customerId = extra.customerId ?? String((await makeCustomer(db, { label: 'Tunde' })).id);
  const res = await postForm(s, '/tickets', valid(Number(customerId), extra));
  expect(res.status).toBe(303);
  return Number(/\/tickets\/(\d+)/.exec(res.headers.location)![1]);
}

describe('access', () => {
  it('when someone signed out opens a ticket page, then they are sent to sign in (303)', async () => {
    for (const path of ['/tickets', '/tickets/new', '/tickets/1']) {
      const res = await request(app).get(path);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login');
    }
  });

  it('when staff open ticket pages they get in, and when a doctor does, then every route answers 403', async () => {
    const id = await create(as.agent);
    for (const key of ['agent', 'supervisor', 'admin'] as const) {
      expect((await as[key].agent.get('/tickets')).status).toBe(200);
      expect((await as[key].agent.get(`/tickets/${id}`)).status).toBe(200);
      expect((await as[key].agent.get('/tickets/new')).status).toBe(200);
    }
    const d = as.doctor;
    expect((await d.agent.get('/tickets')).status).toBe(403);
    expect((await d.agent.get(`/tickets/${id}`)).status).toBe(403);
    expect((await d.agent.get(`/tickets/${id}/edit`)).status).toBe(403);
    const customer = await makeCustomer(db);
    expect((await postForm(d, '/tickets', valid(customer.id))).status).toBe(403);
    expect((await postForm(d, `/tickets/${id}/claim`, {})).status).toBe(403);
    expect(
      (await postForm(d, `/tickets/${id}/status`, { status: 'pending', version: '1' })).status,
    ).toBe(403);
  });

  it('when an agent opens the list, then it shows their tickets and refuses the All tab', async () => {
    await create(as.agent);
    const list = await as.agent.agent.get('/tickets');
    expect(list.text).toMatch(/aria-current="page">My tickets/);
    expect((await as.agent.agent.get('/tickets?view=all')).status).toBe(403);
    expect((await as.agent.agent.get('/tickets?view=unassigned')).status).toBe(200);
    const all = await as.supervisor.agent.get('/tickets?view=all');
    expect(all.status).toBe(200);
    expect(all.text).toContain('Double charge');
  });
});

describe('creating', () => {
  it('when the new-ticket form is sent twice, then one ticket is created and its number shown', async () => {
    const a = await create(as.agent, { idempotencyKey: 'http-tkt-1' });
    const b = await create(as.agent, { idempotencyKey: 'http-tkt-1' });
    expect(b).toBe(a);
    const page = await as.agent.agent.get(`/tickets/${a}`);
    expect(page.text).toMatch(/TKT-[A-Z0-9]{8}/);
    expect(page.text).toContain(`/escalations/new?ticketId=${a}`);
  });

  it('when the new-ticket form is invalid, then it comes back with 422 and the input kept', async () => {
    const customer = await makeCustomer(db);
    const res = await postForm(
      as.agent,
      '/tickets',
      valid(customer.id, { subject: '', category: 'nonsense', description: 'Keep this text' }),
    );
    expect(res.status).toBe(422);
    expect(res.text).toContain('Keep this text');
    expect(res.text).toContain('id="subject-error"');
    expect(res.text).toContain('id="category-error"');
    const noCustomer = await postForm(as.agent, '/tickets', valid(424242, { description: 'Mine' }));
    expect(noCustomer.status).toBe(422);
  });

  it('when a ticket is made from an interaction, then it is pre-filled and both link to each other', async () => {
    const customer = await makeCustomer(db);
    const interaction = await makeInteraction(db, customer.id, users.agent.id);
    const form = await as.agent.agent.get(`/tickets/new?interactionId=${interaction.id}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`value="${interaction.subject}"`);
    expect(form.text).toContain(`name="interactionId" value="${interaction.id}"`);
    const id = await create(as.agent, {
      customerId: String(customer.id),
      interactionId: String(interaction.id),
      subject: interaction.subject!,
    });
    expect((await as.agent.agent.get(`/tickets/${id}`)).text).toContain(
      `/interactions/${interaction.id}`,
    );
    expect((await as.agent.agent.get(`/interactions/${interaction.id}`)).text).toContain(
      `/tickets/${id}`,
    );
  });

  it('when a ticket is made from a consultation, then it is pre-filled and links to it', async () => {
    const customer = await makeCustomer(db);
    const consultation = await makeConsultation(db, customer.id, { doctorId: null });
    const form = await as.agent.agent.get(`/tickets/new?consultationId=${consultation.id}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(consultation.reference);
    const id = await create(as.agent, {
      customerId: String(customer.id),
      consultationId: String(consultation.id),
    });
    expect((await as.agent.agent.get(`/tickets/${id}`)).text).toContain(
      `/consultations/${consultation.id}`,
    );
    expect((await as.agent.agent.get('/tickets/new?consultationId=999999')).status).toBe(404);
  });
});

describe('claim, assign, status', () => {
  it('when two agents claim one ticket, then one wins and the other is told who has it', async () => {
    const id = await create(as.supervisor);
    const [a, b] = await Promise.all([
      postForm(as.agent, `/tickets/${id}/claim`, {}),
      postForm(as.agent2, `/tickets/${id}/claim`, {}),
    ]);
    expect([a.status, b.status]).toEqual([303, 303]);
    const owner = (await db.prisma.supportTicket.findUniqueOrThrow({ where: { id } })).assigneeId;
    const loser = owner === users.agent.id ? as.agent2 : as.agent;
    const page = await loser.agent.get(`/tickets/${id}`);
    expect(page.text).toContain(
      `Already claimed by ${owner === users.agent.id ? 'Person agent' : 'Person agent2'}`,
    );
  });

  it('when an agent tries to assign, then it is refused, and a supervisor may', async () => {
    const id = await create(as.agent);
    expect(
      (
        await postForm(as.agent, `/tickets/${id}/assign`, {
          assigneeId: String(users.agent.id),
          version: '1',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await postForm(as.supervisor, `/tickets/${id}/assign`, {
          assigneeId: String(users.agent2.id),
          version: '1',
        })
      ).status,
    ).toBe(303);
    expect((await db.prisma.supportTicket.findUniqueOrThrow({ where: { id } })).assigneeId).toBe(
      users.agent2.id,
    );
  });

  it('when an agent changes status from a stale page, then the 409 page shows the saved status and fresh buttons', async () => {
    const id = await create(as.agent);
    expect(
      (await postForm(as.agent, `/tickets/${id}/status`, { status: 'resolved', version: '1' }))
        .status,
    ).toBe(303);
    expect(
      (await postForm(as.agent, `/tickets/${id}/status`, { status: 'pending', version: '2' }))
        .status,
    ).toBe(422);
    expect(
      (await postForm(as.agent, `/tickets/${id}/status`, { status: 'escalated', version: '2' }))
        .status,
    ).toBe(422);
    const stale = await postForm(as.agent, `/tickets/${id}/status`, {
      status: 'open',
      version: '1',
    });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('Set status to open');
    expect(stale.text).toContain('<td>resolved</td>');
    expect(stale.text).toMatch(
      /name="status" value="open">\s*<input type="hidden" name="version" value="2">/,
    );
    const page = await as.agent.agent.get(`/tickets/${id}`);
    expect(page.text).toContain('status: open → resolved');
  });
  it('when a supervisor assigns from a stale page, then the 409 page offers assigning again at the saved version', async () => {
    const id = await create(as.agent);
    await postForm(as.supervisor, `/tickets/${id}/assign`, {
      assigneeId: String(users.agent.id),
      version: '1',
    }).expect(303);
    const stale = await postForm(as.supervisor, `/tickets/${id}/assign`, {
      assigneeId: String(users.agent2.id),
      version: '1',
    });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('Person agent');
    expect(stale.text).toContain(`action="/tickets/${id}/assign"`);
    expect(stale.text).toContain(`action="/tickets/${id}/status"`);
    expect((await db.prisma.supportTicket.findUniqueOrThrow({ where: { id } })).assigneeId).toBe(
      users.agent.id,
    );
  });

  it('when the assign form names nobody valid, then the ticket page comes back with 422 and the reason', async () => {
    const id = await create(as.agent);
    const res = await postForm(as.supervisor, `/tickets/${id}/assign`, {
      assigneeId: 'someone',
      version: '1',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Choose someone.');
    expect(res.text).toContain('Double charge');
  });
});

describe('editing', () => {
  it('when two people edit one ticket, then the second gets the 409 page with both versions and their input', async () => {
    const id = await create(as.agent);
    const edit = await as.agent.agent.get(`/tickets/${id}/edit`);
    expect(edit.text).toContain('name="version" value="1"');
    expect(
      (
        await postForm(as.supervisor, `/tickets/${id}/edit`, {
          ...fields({ subject: 'Their subject' }),
          version: '1',
        })
      ).status,
    ).toBe(303);
    const conflict = await postForm(as.agent, `/tickets/${id}/edit`, {
      ...fields({ subject: 'My subject', description: 'My long explanation' }),
      version: '1',
    });
    expect(conflict.status).toBe(409);
    expect(conflict.text).toContain('Their subject');
    expect(conflict.text).toContain('My subject');
    expect(conflict.text).toContain('My long explanation');
    expect(conflict.text).toContain('name="version" value="2"');
  });

  it('when the edit form is invalid, then it comes back with 422 and the input kept', async () => {
    const id = await create(as.agent);
    const res = await postForm(as.agent, `/tickets/${id}/edit`, {
      ...fields({ subject: '', description: 'Still here' }),
      version: '1',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Still here');
    expect(res.text).toContain('aria-invalid="true"');
  });
});

describe('escalation links on the ticket page', () => {
  it("when a ticket's escalation is resolved, then another agent sees its status but only those who may open it see its outcome and link", async () => {
    const id = await create(as.agent);
    await db.prisma.supportTicket.update({ where: { id }, data: { assigneeId: users.agent.id } });
    const raised = await postForm(as.agent, '/escalations', {
      ticketId: String(id),
      targetType: 'admin',
      targetUserId: String(users.admin.id),
      reason: 'Refund above the agent limit.',
    });
    expect(raised.status).toBe(303);
    const escalationId = Number(/\/escalations\/(\d+)/.exec(raised.headers.location)![1]);
    const { version } = await db.prisma.escalation.findUniqueOrThrow({
      where: { id: escalationId },
      select: { version: true },
    });
    const resolved = await postForm(as.admin, `/escalations/${escalationId}/resolve`, {
      version: String(version),
      outcome: 'Refund approved by finance',
      ticketStatus: 'pending',
    });
    expect(resolved.status).toBe(303);
    const link = `href="/escalations/${escalationId}"`;

    // Agent B may read A's ticket and sees that it was escalated and resolved, but cannot open the
    // escalation: no link, and not the answer.
    const other = await as.agent2.agent.get(`/tickets/${id}`);
    expect(other.status).toBe(200);
    expect(other.text).toContain(`Escalation #${escalationId}`);
    expect(other.text).toContain('badge-resolved');
    expect(other.text).not.toContain('Refund approved by finance');
    expect(other.text).not.toContain(link);
    expect([403, 404]).toContain(
      (await as.agent2.agent.get(`/escalations/${escalationId}`)).status,
    );

    // The raising (and assigned) agent and a supervisor get the link, and it opens.
    for (const s of [as.agent, as.supervisor]) {
      const page = await s.agent.get(`/tickets/${id}`);
      expect(page.text).toContain(link);
      expect(page.text).toContain('Refund approved by finance');
      expect((await s.agent.get(`/escalations/${escalationId}`)).status).toBe(200);
    }
  });
});

describe('bad input never causes a 500', () => {
  it('when an id is not a ticket, then every route answers 404', async () => {
    for (const path of [
      '/tickets/abc',
      '/tickets/99999999999',
      '/tickets/0',
      '/tickets/-1',
      '/tickets/999999',
      '/tickets/abc/edit',
    ]) {
      expect((await as.supervisor.agent.get(path)).status).toBe(404);
    }
    for (const action of ['claim', 'status', 'assign', 'edit']) {
      expect(
        (
          await postForm(as.supervisor, `/tickets/999999/${action}`, {
            status: 'open',
            version: '1',
            assigneeId: 'none',
            ...fields(),
          })
        ).status,
      ).toBe(404);
    }
  });

  it('when list filters or a status form are garbage, then the page still answers without a 500', async () => {
    for (const qs of [
      'status=bogus&priority=9&category[]=x&sla=never',
      'from=2026-02-31&to=garbage&page=abc',
      'assignee=abc&customer=%25%5C&q=%27%3B--',
      'q=TKT-NOPE',
      'sla=breached&view=unassigned',
      'sla=due_soon&customer=Tunde',
    ]) {
      expect((await as.supervisor.agent.get(`/tickets?${qs}`)).status).toBe(200);
    }
    expect(
      (await as.agent.agent.get('/tickets/new?interactionId=abc&consultationId=-4')).status,
    ).toBe(200);
    const id = await create(as.agent);
    const bad = await postForm(as.agent, `/tickets/${id}/status`, { status: 'x', version: 'y' });
    expect(bad.status).toBe(422);
  });
});
