import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, csrfFrom, postForm, signIn } from '../support/app.js';
import { makeConsultation, makeCustomer, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;

type User = Awaited<ReturnType<typeof createUser>>;
type Session = Awaited<ReturnType<typeof signIn>>;
let agent: User,
  agent2: User,
  supervisor: User,
  admin: User,
  admin2: User,
  doctor: User,
  doctor2: User;
const as: Record<string, Session> = {};

const MEDICAL_MARKERS = ['PEANUT-ALLERGY-MARKER', 'DIAGNOSIS-MARKER', 'O-NEGATIVE-MARKER'];

/** A customer with medical values on file, so every page can be checked for leaks. */
async function customer() {
  const c = await makeCustomer(db, { label: 'Bola' });
  const medical = { allergies: MEDICAL_MARKERS[0], bloodGroup: MEDICAL_MARKERS[2] };
  await db.prisma.customer.update({ where: { id: c.id }, data: { medical: { create: medical } } });
  return c;
}

async function ticket(assigneeId: number | null = null) {
  const c = await customer();
  return makeTicket(db, c.id, agent.id, assigneeId);
}

async function consultation() {
  const c = await customer();
  const made = await makeConsultation(db, c.id, { doctorId: null });
  const medical = { diagnosis: MEDICAL_MARKERS[1], presentingComplaint: MEDICAL_MARKERS[1] };
  await db.prisma.consultation.update({
    where: { id: made.id },
    data: { medical: { create: medical } },
  });
  return made;
}

/** Raises through the HTTP form as `who`, returning the new escalation id. */
async function raise(
  who: Session,
  source: Record<string, number>,
  targetType: 'admin' | 'doctor',
  targetUserId: number,
  key = `k-${Math.random().toString(36).slice(2)}-x`,
) {
  const sourceFields = Object.fromEntries(
    Object.entries(source).map(([name, id]) => [name, String(id)]),
  );
  const res = await postForm(who, '/escalations', {
    ...sourceFields,
    targetType,
    targetUserId: String(targetUserId),
    reason: 'The customer needs a specialist answer.',
    idempotencyKey: key,
  }).expect(303);
  const match = /^\/escalations\/(\d+)$/.exec(res.headers.location);
  expect(match).not.toBeNull();
  return Number(match![1]);
}

async function version(id: number) {
  return (await db.prisma.escalation.findUniqueOrThrow({ where: { id } })).version;
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  agent = await createUser(db, 'agent', { name: 'Agent Amaka' });
  agent2 = await createUser(db, 'agent', { name: 'Agent Bayo' });
  supervisor = await createUser(db, 'supervisor', { name: 'Sup Chidi' });
  admin = await createUser(db, 'admin', { name: 'Admin Dayo' });
  admin2 = await createUser(db, 'admin', { name: 'Admin Efe' });
  doctor = await createUser(db, 'doctor', { name: 'Dr Funke' });
  doctor2 = await createUser(db, 'doctor', { name: 'Dr Gbenga' });
  for (const [key, u] of Object.entries({
    agent,
    agent2,
    supervisor,
    admin,
    admin2,
    doctor,
    doctor2,
  }))
    as[key] = await signIn(app, u.email);
});
afterAll(async () => {
  await db.drop();
});

describe('anonymous', () => {
  it('when someone not signed in opens or posts to escalations, then they are sent to /login', async () => {
    for (const path of ['/escalations', '/escalations/new?ticketId=1', '/escalations/1']) {
      const res = await request(app).get(path).expect(303);
      expect(res.headers.location).toBe('/login');
    }
    const anon = request.agent(app);
    const csrf = csrfFrom((await anon.get('/login')).text);
    const res = await anon
      .post('/escalations/1/take')
      .type('form')
      .send({ _csrf: csrf, version: '1' })
      .expect(303);
    expect(res.headers.location).toBe('/login');
  });
});

describe('GET /escalations/new', () => {
  it('when an agent opens the raise form, then it shows the source summary, named recipients and an idempotency key, never medical values', async () => {
    const t = await ticket(agent.id);
    const res = await as.agent.agent.get(`/escalations/new?ticketId=${t.id}`).expect(200);
    expect(res.text).toContain(t.number);
    expect(res.text).toContain(t.subject);
    const owner = await db.prisma.customer.findUniqueOrThrow({ where: { id: t.customerId } });
    expect(res.text).toContain(owner.fullName);
    expect(res.text).toContain('Admin Dayo');
    expect(res.text).toContain('Dr Funke — General practice');
    expect(res.text).toMatch(/name="idempotencyKey" value="[0-9a-f-]{36}"/);
    expect(res.text).toContain(`name="ticketId" value="${t.id}"`);
    for (const marker of MEDICAL_MARKERS) expect(res.text).not.toContain(marker);

    const c = await consultation();
    const cres = await as.supervisor.agent
      .get(`/escalations/new?consultationId=${c.id}`)
      .expect(200);
    expect(cres.text).toContain(c.reference);
    for (const marker of MEDICAL_MARKERS) expect(cres.text).not.toContain(marker);
  });

  it('when a doctor opens the raise form or the source is bad or missing, then 403, 422 or 404, never a 500', async () => {
    const t = await ticket();
    await as.doctor.agent.get(`/escalations/new?ticketId=${t.id}`).expect(403);
    await as.agent.agent.get('/escalations/new').expect(422);
    await as.agent.agent.get(`/escalations/new?ticketId=${t.id}&interactionId=1`).expect(422);
    await as.agent.agent.get('/escalations/new?ticketId=abc').expect(422);
    await as.agent.agent.get('/escalations/new?ticketId=99999999999').expect(422);
    await as.agent.agent.get('/escalations/new?ticketId=99999999').expect(404);
    await as.agent.agent.get('/escalations/new?interactionId=99999999').expect(404);
  });
});

describe('POST /escalations', () => {
  it('when an agent raises from a ticket twice with one key, then one escalation exists and the ticket is escalated', async () => {
    const t = await ticket(agent.id);
    const key = '0b8e4f8e-1111-4c2a-9f00-000000000001';
    const id = await raise(as.agent, { ticketId: t.id }, 'doctor', doctor.id, key);
    const again = await raise(as.agent, { ticketId: t.id }, 'doctor', doctor.id, key);
    expect(again).toBe(id);
    expect(await db.prisma.escalation.count({ where: { ticketId: t.id } })).toBe(1);
    expect((await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } })).status).toBe(
      'escalated',
    );
  });

  it('when the raise form is invalid or names the wrong kind of recipient, then 422 keeps the input with per-field errors', async () => {
    const t = await ticket(agent.id);
    const res = await postForm(as.agent, '/escalations', {
      ticketId: String(t.id),
      targetType: 'doctor',
      targetUserId: String(doctor.id),
      reason: 'too short',
      idempotencyKey: 'key-kept-123',
    }).expect(422);
    expect(res.text).toContain('>too short</textarea>');
    expect(res.text).toContain('aria-invalid="true" aria-describedby="reason-error"');
    expect(res.text).toContain('id="reason-error"');
    expect(res.text).toContain(`<option value="${doctor.id}" selected>`);
    expect(res.text).toContain('value="key-kept-123"');
    expect(res.text).toMatch(/id="targetType-doctor" name="targetType" value="doctor" checked/);

    const mismatch = await postForm(as.agent, '/escalations', {
      ticketId: String(t.id),
      targetType: 'doctor',
      targetUserId: String(admin.id),
      reason: 'A perfectly fine reason here.',
      idempotencyKey: 'key-2-abcdef',
    }).expect(422);
    expect(mismatch.text).toContain('id="targetUserId-error"');
    expect(mismatch.text).toContain('A perfectly fine reason here.');
    expect(await db.prisma.escalation.count({ where: { ticketId: t.id } })).toBe(0);
  });

  it('when a doctor raises, or the source is garbage or missing, then 403, 422 or 404, never a 500', async () => {
    const t = await ticket();
    await postForm(as.doctor, '/escalations', {
      ticketId: String(t.id),
      targetType: 'admin',
      targetUserId: String(admin.id),
      reason: 'x'.repeat(20),
    }).expect(403);
    await postForm(as.agent, '/escalations', {
      ticketId: 'zzz',
      targetType: 'admin',
      targetUserId: 'x',
      reason: 'x',
    }).expect(422);
    await postForm(as.agent, '/escalations', {
      ticketId: '99999999',
      targetType: 'admin',
      targetUserId: String(admin.id),
      reason: 'x'.repeat(20),
    }).expect(404);
  });
});

describe('GET /escalations/:id and the list', () => {
  it('when the id in the address is not a number or not an escalation, then 404', async () => {
    for (const bad of ['abc', '0', '-1', '99999999999', '1.5', '99999999'])
      await as.supervisor.agent.get(`/escalations/${bad}`).expect(404);
    await postForm(as.doctor, '/escalations/abc/take', { version: '1' }).expect(404);
  });

  it('when a doctor lists and opens escalations, then they see only theirs and no medical values', async () => {
    const c = await consultation();
    const mine = await raise(as.agent, { consultationId: c.id }, 'doctor', doctor.id);
    const other = await raise(
      as.agent,
      { ticketId: (await ticket(agent.id)).id },
      'doctor',
      doctor2.id,
    );
    const list = await as.doctor.agent.get('/escalations').expect(200);
    expect(list.text).toContain(`href="/escalations/${mine}"`);
    expect(list.text).not.toContain(`href="/escalations/${other}"`);
    const detail = await as.doctor.agent.get(`/escalations/${mine}`).expect(200);
    expect(detail.text).toContain(c.reference);
    expect(detail.text).toContain('Take it');
    for (const marker of MEDICAL_MARKERS) expect(detail.text).not.toContain(marker);
    await as.doctor.agent.get(`/escalations/${other}`).expect(404);
    await postForm(as.doctor, `/escalations/${other}/take`, { version: '1' }).expect(404);
    expect((await db.prisma.escalation.findUniqueOrThrow({ where: { id: other } })).status).toBe(
      'pending',
    );
  });

  it('when an agent lists escalations, then they see those on their tickets, not those others raised', async () => {
    const raisedByAgent2 = await raise(
      as.agent2,
      { ticketId: (await ticket(agent2.id)).id },
      'admin',
      admin.id,
    );
    const onAgentsTicket = await raise(
      as.supervisor,
      { ticketId: (await ticket(agent.id)).id },
      'admin',
      admin.id,
    );
    const list = await as.agent.agent.get('/escalations').expect(200);
    expect(list.text).toContain(`href="/escalations/${onAgentsTicket}"`);
    expect(list.text).not.toContain(`href="/escalations/${raisedByAgent2}"`);
    await as.agent.agent.get(`/escalations/${raisedByAgent2}`).expect(404);
    await as.agent.agent.get(`/escalations/${onAgentsTicket}`).expect(200);
    const sup = await as.supervisor.agent.get('/escalations').expect(200);
    expect(sup.text).toContain(`href="/escalations/${raisedByAgent2}"`);
  });

  it('when an admin lists escalations, then those addressed to them show by default and all with ?scope=all', async () => {
    const toAdmin2 = await raise(
      as.agent,
      { ticketId: (await ticket(agent.id)).id },
      'admin',
      admin2.id,
    );
    const mine = await as.admin.agent.get('/escalations').expect(200);
    expect(mine.text).not.toContain(`href="/escalations/${toAdmin2}"`);
    expect(mine.text).toContain('Addressed to me');
    const all = await as.admin.agent.get('/escalations?scope=all').expect(200);
    expect(all.text).toContain(`href="/escalations/${toAdmin2}"`);
  });

  it('when the list is filtered (stale, target, status) or given bad parameters, then it answers 200 with the matching rows', async () => {
    const id = await raise(as.agent, { ticketId: (await ticket(agent.id)).id }, 'admin', admin.id);
    await db.prisma.escalation.update({
      where: { id },
      data: { createdAt: new Date(Date.now() - 6 * 3_600_000) },
    });
    const stale = await as.supervisor.agent.get('/escalations?stale=1').expect(200);
    expect(stale.text).toContain(`href="/escalations/${id}"`);
    expect(stale.text).toContain('badge-stale');
    const docs = await as.supervisor.agent.get('/escalations?target=doctor').expect(200);
    expect(docs.text).not.toContain(`href="/escalations/${id}"`);
    const none = await as.supervisor.agent
      .get('/escalations?status=closed&target=admin&stale=1')
      .expect(200);
    expect(none.text).toContain('class="empty"');
    await as.supervisor.agent
      .get('/escalations?status=bogus&target=x&page=abc&stale=2&scope=zz')
      .expect(200);
    await as.supervisor.agent.get('/escalations?page=99999999').expect(200);
    await as.supervisor.agent.get('/escalations?status[]=a&page[x]=1').expect(200);
  });
});

describe('acting on an escalation', () => {
  it('when the raising agent, a supervisor, another admin or another doctor acts on a doctor escalation, then 403 or 404 and nothing changes', async () => {
    const id = await raise(
      as.agent,
      { ticketId: (await ticket(agent.id)).id },
      'doctor',
      doctor.id,
    );
    await postForm(as.agent, `/escalations/${id}/take`, { version: '1' }).expect(403);
    await postForm(as.agent, `/escalations/${id}/resolve`, {
      version: '1',
      outcome: 'I did it myself',
      ticketStatus: 'resolved',
    }).expect(403);
    await postForm(as.supervisor, `/escalations/${id}/close`, { version: '1' }).expect(403);
    await postForm(as.admin, `/escalations/${id}/take`, { version: '1' }).expect(403);
    await postForm(as.doctor2, `/escalations/${id}/take`, { version: '1' }).expect(404);
    expect(await version(id)).toBe(1);
  });

  it('when the doctor takes and resolves, then bad input is 422 with input kept, a stale version 409, an illegal move 422, and the raiser sees the outcome', async () => {
    const t = await ticket(agent.id);
    const id = await raise(as.agent, { ticketId: t.id }, 'doctor', doctor.id);
    const d = as.doctor;
    await postForm(d, `/escalations/${id}/take`, { version: '1' }).expect(303);
    expect((await db.prisma.escalation.findUniqueOrThrow({ where: { id } })).status).toBe(
      'in_progress',
    );

    const invalid = await postForm(d, `/escalations/${id}/resolve`, {
      version: '2',
      outcome: 'no',
      ticketStatus: 'resolved',
    }).expect(422);
    expect(invalid.text).toContain('>no</textarea>');
    expect(invalid.text).toContain('id="resolve-outcome-error"');
    expect(invalid.text).toMatch(
      /id="resolve-ts-resolved" name="ticketStatus" value="resolved" checked/,
    );

    const noTicketChoice = await postForm(d, `/escalations/${id}/resolve`, {
      version: '2',
      outcome: 'Spoke to the customer.',
    }).expect(422);
    expect(noTicketChoice.text).toContain('id="resolve-ticketStatus-error"');

    const conflict = await postForm(d, `/escalations/${id}/resolve`, {
      version: '1',
      outcome: 'My careful outcome text',
      ticketStatus: 'resolved',
    }).expect(409);
    expect(conflict.text).toContain('Saved now');
    expect(conflict.text).toContain('My careful outcome text');
    expect(conflict.text).toContain('name="version" value="2"');

    await postForm(d, `/escalations/${id}/resolve`, {
      version: '2',
      outcome: 'Spoke to the customer; advised rest.',
      ticketStatus: 'resolved',
    }).expect(303);
    const ticketAfter = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } });
    expect(ticketAfter).toMatchObject({ status: 'resolved', resolvedById: doctor.id });

    await postForm(d, `/escalations/${id}/close`, { version: '3' }).expect(422);
    await postForm(d, `/escalations/${id}/resolve`, { version: 'abc', outcome: 'x' }).expect(422);

    const raiserView = await as.agent.agent.get(`/escalations/${id}`).expect(200);
    expect(raiserView.text).toContain('Spoke to the customer; advised rest.');
    expect(raiserView.text).toContain('Dr Funke');
    expect(raiserView.text).not.toContain('Take it');
    expect(raiserView.text).toContain('in progress → <strong>resolved</strong>');
  });

  it('when another admin closes an admin escalation without outcome, then it is closed and the ticket returns to pending', async () => {
    const t = await ticket(agent.id);
    const id = await raise(as.agent, { ticketId: t.id }, 'admin', admin.id);
    await postForm(as.admin2, `/escalations/${id}/close`, {
      version: '1',
      outcome: '',
      ticketStatus: '',
    }).expect(303);
    const e = await db.prisma.escalation.findUniqueOrThrow({ where: { id } });
    expect(e).toMatchObject({ status: 'closed', resolvedById: admin2.id, outcome: null });
    expect((await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: t.id } })).status).toBe(
      'pending',
    );
  });

  it('when two admins act on one escalation, then the second gets 409: no retry for take, the text kept for resolve', async () => {
    const id = await raise(as.agent, { ticketId: (await ticket(agent.id)).id }, 'admin', admin.id);
    await postForm(as.admin, `/escalations/${id}/take`, { version: '1' }).expect(303);
    const res = await postForm(as.admin2, `/escalations/${id}/take`, { version: '1' }).expect(409);
    expect(res.text).toContain('in progress');
    expect(res.text).not.toContain('anyway</button>');
    const retry = await postForm(as.admin2, `/escalations/${id}/resolve`, {
      version: '1',
      outcome: 'Refunded in full',
      ticketStatus: 'pending',
    }).expect(409);
    expect(retry.text).toContain('Resolve anyway');
    expect(retry.text).toContain('>Refunded in full</textarea>');
  });
});
