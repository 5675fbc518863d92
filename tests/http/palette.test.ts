import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, signIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeConsultation, makeCustomer, makeTicket } from '../support/fixtures.js';

interface Result {
  kind: string;
  label: string;
  href: string;
}

let db: TestDatabase;
let app: Express;
let ticket: { id: number; number: string };
let consultation: { id: number; reference: string };
let patient: { id: number; fullName: string; email: string; phoneDigits: string };

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const agent = await createUser(db, 'agent');
  patient = await makeCustomer(db, { label: 'Palette' });
  ticket = await makeTicket(db, patient.id, agent.id, null);
  consultation = await makeConsultation(db, patient.id, { doctorId: null });
});
afterAll(async () => {
  await db.drop();
});

async function as(role: 'agent' | 'supervisor' | 'admin' | 'doctor') {
  const user = await createUser(db, role);
  const { agent } = await signIn(app, user.email);
  const search = async (q: string): Promise<Result[]> => {
    const res = await agent.get('/go').query({ q }).set('Accept', 'application/json');
    expect(res.status).toBe(200);
    return res.body.results;
  };
  return { agent, search };
}

describe("the command palette's results (/go)", () => {
  it('when a ticket number is typed, with or without its prefix or in lower case, then that ticket comes first', async () => {
    const { search } = await as('agent');
    for (const q of [ticket.number, ticket.number.toLowerCase(), ticket.number.slice(4)]) {
      expect((await search(q))[0]).toMatchObject({
        kind: 'ticket',
        label: ticket.number,
        href: `/tickets/${ticket.id}`,
      });
    }
  });

  it("when a consultation reference, a patient's name, email or phone digits are typed, then they are found", async () => {
    const { search } = await as('agent');
    expect(await search(consultation.reference)).toContainEqual(
      expect.objectContaining({ kind: 'consultation', href: `/consultations/${consultation.id}` }),
    );
    const href = `/customers/${patient.id}`;
    expect(await search(patient.fullName.toUpperCase())).toContainEqual(
      expect.objectContaining({ kind: 'patient', href }),
    );
    expect(await search(patient.email)).toContainEqual(
      expect.objectContaining({ kind: 'patient', href }),
    );
    expect(await search(patient.phoneDigits.slice(-7))).toContainEqual(
      expect.objectContaining({ kind: 'patient', href }),
    );
  });

  it('when an agent searches anything, then every result is a page the agent may open', async () => {
    const { agent, search } = await as('agent');
    const results = (
      await Promise.all(
        [
          '',
          'a',
          'metrics',
          'audit',
          'new',
          ticket.number,
          consultation.reference,
          patient.fullName,
        ].map(search),
      )
    ).flat();
    expect(results.some((r) => r.href === '/metrics' || r.href === '/audit')).toBe(false);
    for (const href of new Set(results.map((r) => r.href))) {
      expect((await agent.get(href)).status, href).toBe(200);
    }
  });

  it('when a doctor types a ticket number, then the ticket is not offered (doctors may not open tickets)', async () => {
    const { agent, search } = await as('doctor');
    const results = [
      ...(await search(ticket.number)),
      ...(await search('ticket')),
      ...(await search('')),
    ];
    expect(results.some((r) => r.kind === 'ticket' || r.href.startsWith('/tickets'))).toBe(false);
    for (const href of new Set(results.map((r) => r.href))) {
      expect((await agent.get(href)).status, href).toBe(200);
    }
  });

  it('when a supervisor searches for "metrics", then the metrics page is offered', async () => {
    const { search } = await as('supervisor');
    expect(await search('metrics')).toContainEqual(
      expect.objectContaining({ kind: 'page', href: '/metrics' }),
    );
  });

  it('when a search contains LIKE wildcards, then they match literally', async () => {
    const { search } = await as('agent');
    expect((await search('%')).filter((r) => r.kind === 'patient')).toEqual([]);
    expect((await search('__')).filter((r) => r.kind === 'patient')).toEqual([]);
  });

  it('when "Go to" is submitted without JavaScript, then the page lists the same results as links', async () => {
    const { agent } = await as('agent');
    const page = await agent.get('/go').query({ q: ticket.number });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<a href="/tickets/${ticket.id}">${ticket.number}</a>`);
    const nothing = await agent.get('/go').query({ q: 'zzzz-no-such-thing' });
    expect(nothing.text).toContain('Nothing you may open matches');
  });

  it('when signed out, then /go sends the visitor to sign in', async () => {
    const { default: request } = await import('supertest');
    const res = await request(app).get('/go?q=a');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
  });
});
