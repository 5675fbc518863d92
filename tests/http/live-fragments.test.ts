import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  makeConsultation,
  makeCustomer,
  makeEscalation,
  makeInteraction,
  makeTicket,
} from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
});
afterAll(async () => {
  await db.drop();
});

const squash = (html: string) => html.replace(/\s+/g, ' ').trim();
const tab = () => `tab-${Math.random().toString(36).slice(2, 12)}`;
type Agent = Awaited<ReturnType<typeof signIn>>['agent'];

/**
 * The fragment is the very row the list shows. Relative times move by the minute, so a boundary
 * may fall between the requests: the row fetched just after the list must match if the first does not.
 */
async function expectRowOfList(agent: Agent, rowUrl: string, listUrl: string, id: number) {
  const row = await agent.get(rowUrl).expect(200);
  expect(row.text).toContain(`data-id="${id}"`);
  expect(row.headers['cache-control']).toContain('no-store');
  const shown = squash((await agent.get(listUrl).expect(200)).text);
  const rowAfter = await agent.get(rowUrl).expect(200);
  expect([squash(row.text), squash(rowAfter.text)].some((r) => shown.includes(r))).toBe(true);
}

describe('live fragments', () => {
  it(
    'when staff fetch a ticket row, then it is the very row the list shows; ' +
      'doctors and unknown ids get nothing',
    async () => {
      const agentUser = await createUser(db, 'agent');
      const customer = await makeCustomer(db, { label: 'Rowena' });
      const ticket = await makeTicket(db, customer.id, agentUser.id, agentUser.id);
      const me = await signIn(app, agentUser.email);
      const row = await me.agent.get(`/tickets/${ticket.id}/row`).expect(200);
      expect(row.text).toContain(`data-id="${ticket.id}"`);
      expect(row.text).toContain(ticket.number);
      const list = await me.agent.get('/tickets?view=mine').expect(200);
      // SLA countdowns and relative times move by the minute: a boundary may fall between the two
      // requests, so the row fetched just after the list must match if the first one does not.
      const rowAfter = await me.agent.get(`/tickets/${ticket.id}/row`).expect(200);
      const shown = squash(list.text);
      expect([squash(row.text), squash(rowAfter.text)].some((r) => shown.includes(r))).toBe(true);

      await me.agent.get('/tickets/2147483000/row').expect(404);
      const doctor = await signIn(app, (await createUser(db, 'doctor')).email);
      const refused = await doctor.agent.get(`/tickets/${ticket.id}/row`);
      expect(refused.status).toBe(403);
      expect(refused.text).not.toContain(ticket.number);
    },
  );

  it(
    'when staff fetch an interaction, escalation or consultation row, then it is the row ' +
      'their list shows, and unknown ids answer 404',
    async () => {
      const [agentUser, admin] = [await createUser(db, 'agent'), await createUser(db, 'admin')];
      const customer = await makeCustomer(db, { label: 'Rowland' });
      const interaction = await makeInteraction(db, customer.id, agentUser.id);
      const ticket = await makeTicket(db, customer.id, agentUser.id, agentUser.id);
      const escalation = await makeEscalation(db, {
        customerId: customer.id,
        ticketId: ticket.id,
        raisedById: agentUser.id,
        targetType: 'admin',
        targetUserId: admin.id,
      });
      const consultation = await makeConsultation(db, customer.id, { doctorId: null });
      const { agent } = await signIn(app, agentUser.email);
      const rows = [
        ['interactions', interaction.id],
        ['escalations', escalation.id],
        ['consultations', consultation.id],
      ] as const;
      for (const [path, id] of rows) {
        await expectRowOfList(agent, `/${path}/${id}/row`, `/${path}`, id);
        await agent.get(`/${path}/2147483000/row`).expect(404);
        await agent.get(`/${path}/abc/row`).expect(404);
      }
      const consultationRow = await agent.get(`/consultations/${consultation.id}/row`);
      expect(consultationRow.text).toContain(consultation.reference);
    },
  );

  it(
    "when an escalation is not the viewer's to open, then its row answers 404 without its content; " +
      'doctors get no interaction rows',
    async () => {
      const [raiser, admin] = [await createUser(db, 'agent'), await createUser(db, 'admin')];
      const [stranger, doctor] = [await createUser(db, 'agent'), await createUser(db, 'doctor')];
      const customer = await makeCustomer(db, { label: 'Hidden' });
      const ticket = await makeTicket(db, customer.id, raiser.id, raiser.id);
      const escalation = await makeEscalation(db, {
        customerId: customer.id,
        ticketId: ticket.id,
        raisedById: raiser.id,
        targetType: 'admin',
        targetUserId: admin.id,
      });
      const interaction = await makeInteraction(db, customer.id, raiser.id);
      const url = `/escalations/${escalation.id}/row`;
      for (const email of [stranger.email, doctor.email]) {
        const refused = await (await signIn(app, email)).agent.get(url);
        expect(refused.status).toBe(404);
        expect(refused.text).not.toContain(customer.fullName);
      }
      // The recipient and the raiser do get it.
      for (const email of [admin.email, raiser.email]) {
        const shown = await (await signIn(app, email)).agent.get(url).expect(200);
        expect(shown.text).toContain(customer.fullName);
      }
      const d = await signIn(app, doctor.email);
      const noRow = await d.agent.get(`/interactions/${interaction.id}/row`);
      expect(noRow.status).toBe(403);
      expect(noRow.text).not.toContain(customer.fullName);
    },
  );

  it(
    'when one agent has a ticket open and then types, then another sees "viewing", then "editing", ' +
      'then nothing after leaving',
    async () => {
      const amara = await createUser(db, 'agent', { name: 'Amara Agent' });
      const bayo = await createUser(db, 'agent', { name: 'Bayo Okoro' });
      const customer = await makeCustomer(db);
      const ticket = await makeTicket(db, customer.id, amara.id, null);
      const [a, b] = [await signIn(app, amara.email), await signIn(app, bayo.email)];
      const tabId = tab();
      const report = (editing: string) =>
        postForm(a, '/presence', {
          recordType: 'ticket',
          recordId: String(ticket.id),
          tabId,
          editing,
        }).expect(200);
      const seen = async () =>
        squash((await b.agent.get(`/presence?type=ticket&id=${ticket.id}`).expect(200)).text);

      expect(await seen()).toBe('');
      await report('0');
      expect(await seen()).toContain('Amara Agent is viewing');
      await report('1');
      expect(await seen()).toContain('Amara Agent is editing');
      // Amara does not see herself.
      expect(
        squash((await a.agent.get(`/presence?type=ticket&id=${ticket.id}`).expect(200)).text),
      ).toBe('');
      await postForm(a, '/presence/leave', { tabId }).expect(200);
      expect(await seen()).toBe('');

      // Arriving, editing and leaving were announced; nothing else was.
      const sql = `SELECT kind FROM live.events WHERE kind = 'ticket.presence' AND record_id = $1`;
      const { rows } = await db.pool.query(sql, [ticket.id]);
      expect(rows.length).toBe(3);
    },
  );

  it(
    'when someone saved since the viewer loaded the ticket, then the presence fragment names them ' +
      'before a conflicting save',
    async () => {
      const amara = await createUser(db, 'agent', { name: 'Amara Agent' });
      const bayo = await createUser(db, 'supervisor', { name: 'Bayo Okoro' });
      const customer = await makeCustomer(db);
      const ticket = await makeTicket(db, customer.id, amara.id, amara.id);
      const [a, b] = [await signIn(app, amara.email), await signIn(app, bayo.email)];
      const url = `/presence?type=ticket&id=${ticket.id}&version=${ticket.version}`;
      expect(squash((await a.agent.get(url).expect(200)).text)).not.toContain('saved this');
      await postForm(b, `/tickets/${ticket.id}/status`, {
        status: 'pending',
        version: String(ticket.version),
      }).expect(303);
      expect(squash((await a.agent.get(url).expect(200)).text)).toMatch(
        /Bayo Okoro saved this ticket \d+ s ago/,
      );
    },
  );

  it.each(['interaction', 'escalation', 'consultation'] as const)(
    'when someone saves an open %s after the viewer loaded it, then its presence fragment names ' +
      'them before a conflicting save',
    async (type) => {
      const owner = await createUser(db, 'admin', { name: 'Bayo Okoro' });
      const viewer = await createUser(db, 'supervisor');
      const customer = await makeCustomer(db);
      const ticket = await makeTicket(db, customer.id, owner.id, owner.id);
      const record =
        type === 'interaction'
          ? await makeInteraction(db, customer.id, owner.id)
          : type === 'escalation'
            ? await makeEscalation(db, {
                customerId: customer.id,
                ticketId: ticket.id,
                raisedById: viewer.id,
                targetType: 'admin',
                targetUserId: owner.id,
              })
            : await makeConsultation(db, customer.id, { doctorId: null });
      const save: { path: string; body: Record<string, string> } = {
        interaction: { path: 'pending', body: {} },
        escalation: { path: 'take', body: {} },
        consultation: { path: 'status', body: { to: 'cancelled', cancelReason: 'Patient asked' } },
      }[type];
      const [v, o] = [await signIn(app, viewer.email), await signIn(app, owner.email)];
      const url = `/presence?type=${type}&id=${record.id}&version=${record.version}`;
      expect(squash((await v.agent.get(url).expect(200)).text)).not.toContain('saved this');
      await postForm(o, `/${type}s/${record.id}/${save.path}`, {
        version: String(record.version),
        ...save.body,
      }).expect(303);
      expect(squash((await v.agent.get(url).expect(200)).text)).toMatch(
        new RegExp(`Bayo Okoro saved this ${type} \\d+ s ago`),
      );
    },
  );

  it(
    "when a record is not the viewer's to open, then its presence answers 404 " +
      'and reporting on it is refused',
    async () => {
      const [raiser, admin] = [await createUser(db, 'agent'), await createUser(db, 'admin')];
      const doctor = await createUser(db, 'doctor');
      const customer = await makeCustomer(db);
      const ticket = await makeTicket(db, customer.id, raiser.id, raiser.id);
      const escalation = await makeEscalation(db, {
        customerId: customer.id,
        ticketId: ticket.id,
        raisedById: raiser.id,
        targetType: 'admin',
        targetUserId: admin.id,
      });
      const d = await signIn(app, doctor.email);
      await d.agent.get(`/presence?type=escalation&id=${escalation.id}`).expect(404);
      await d.agent.get(`/presence?type=ticket&id=${ticket.id}`).expect(404);
      await postForm(d, '/presence', {
        recordType: 'escalation',
        recordId: String(escalation.id),
        tabId: tab(),
      }).expect(404);
      expect(await db.prisma.presence.count({ where: { userId: doctor.id } })).toBe(0);
      await d.agent.get('/presence?type=secret&id=1').expect(404);
    },
  );
});
