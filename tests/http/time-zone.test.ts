import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  makeConsultation,
  makeCustomer,
  makeInteraction,
  makeTicket,
} from '../support/fixtures.js';

// The desk works in Lagos (UTC+1): a ticket opened at 23:30 UTC on 30 November belongs to 1 December.
const LATE = new Date('2026-11-30T23:30:00Z');
const RANGE = 'from=2026-11-29&to=2026-12-01';

let db: TestDatabase;
let app: Express;
let ticketNumber: string;
let interactionId: number;
let consultationReference: string;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db, { APP_TIME_ZONE: 'Africa/Lagos' });
  const agent = await createUser(db, 'agent');
  const customer = await makeCustomer(db);
  const ticket = await makeTicket(db, customer.id, agent.id, agent.id);
  await db.prisma.supportTicket.update({ where: { id: ticket.id }, data: { createdAt: LATE } });
  ticketNumber = ticket.number;
  const interaction = await makeInteraction(db, customer.id, agent.id);
  await db.prisma.interaction.update({ where: { id: interaction.id }, data: { startedAt: LATE } });
  interactionId = interaction.id;
  const consultation = await makeConsultation(db, customer.id, { doctorId: null });
  await db.prisma.consultation.update({
    where: { id: consultation.id },
    data: { createdAt: LATE },
  });
  consultationReference = consultation.reference;
});
afterAll(async () => {
  await db.drop();
});

async function supervisor(timeZone: string | null = null) {
  const user = await createUser(db, 'supervisor');
  if (timeZone) await db.prisma.user.update({ where: { id: user.id }, data: { timeZone } });
  return signIn(app, user.email);
}

/** "Tickets created" per day from the metrics page's per-day table. */
function createdPerDay(html: string): Record<string, string> {
  const table = html.slice(html.indexOf('id="table-days"'));
  const rows = [...table.matchAll(/<tr><th scope="row">(\d{4}-\d{2}-\d{2})<\/th><td>(\d+)<\/td>/g)];
  return Object.fromEntries(rows.map((m) => [m[1], m[2]]));
}

const ticketsOn = (day: string) => `/tickets?view=all&from=${day}&to=${day}`;

describe('local time: a ticket created at 23:30 UTC in a desk on Lagos time', () => {
  it('when the list is filtered by day, then it appears on the next local day, shown in WAT', async () => {
    const { agent } = await supervisor();
    const nextDay = await agent.get(ticketsOn('2026-12-01'));
    expect(nextDay.text).toContain(ticketNumber);
    expect(nextDay.text).toContain('2026-12-01 00:30 WAT');
    expect(nextDay.text).toContain(`datetime="${LATE.toISOString()}"`);
    const utcDay = await agent.get(ticketsOn('2026-11-30'));
    expect(utcDay.text).not.toContain(ticketNumber);
  });

  it('when interactions and consultations are filtered by day, then they too fall on the local day', async () => {
    const { agent } = await supervisor();
    const interactions = (day: string) =>
      agent.get(`/interactions?scope=all&from=${day}&to=${day}`).then((r) => r.text);
    expect(await interactions('2026-12-01')).toContain(`href="/interactions/${interactionId}"`);
    expect(await interactions('2026-11-30')).not.toContain(`href="/interactions/${interactionId}"`);
    const consultations = (day: string) =>
      agent.get(`/consultations?from=${day}&to=${day}`).then((r) => r.text);
    expect(await consultations('2026-12-01')).toContain(consultationReference);
    expect(await consultations('2026-11-30')).not.toContain(consultationReference);
  });

  it('when the metrics are read, then the per-day table and its CSV count it on the local day', async () => {
    const { agent } = await supervisor();
    const page = await agent.get(`/metrics?${RANGE}`);
    expect(createdPerDay(page.text)).toEqual({
      '2026-11-29': '0',
      '2026-11-30': '0',
      '2026-12-01': '1',
    });
    expect(page.text).toContain('Days run from 00:00 to 24:00 in Africa/Lagos');
    const csv = await agent.get(`/metrics/export.csv?table=days&${RANGE}`);
    expect(csv.text.split('\r\n')).toEqual(
      expect.arrayContaining(['2026-11-30,0,0,0,0', '2026-12-01,1,0,1,1']),
    );
  });

  it("when a user has chosen their own zone, then it overrides the desk's in lists, metrics and CSV", async () => {
    const { agent } = await supervisor('America/New_York');
    const list = await agent.get(ticketsOn('2026-11-30'));
    expect(list.text).toContain(ticketNumber);
    expect(list.text).toContain('2026-11-30 18:30 EST');
    expect((await agent.get(ticketsOn('2026-12-01'))).text).not.toContain(ticketNumber);
    const page = await agent.get(`/metrics?${RANGE}`);
    expect(createdPerDay(page.text)).toEqual({
      '2026-11-29': '0',
      '2026-11-30': '1',
      '2026-12-01': '0',
    });
    const csv = await agent.get(`/metrics/export.csv?table=days&${RANGE}`);
    expect(csv.text.split('\r\n')).toEqual(
      expect.arrayContaining(['2026-11-30,1,0,1,1', '2026-12-01,0,0,0,0']),
    );
  });
});

describe('choosing a time zone on /account', () => {
  it("when a user picks a zone, then every page shows times in it; clearing it returns to the desk's", async () => {
    const session = await supervisor();
    const { agent } = session;
    const saved = await postForm(session, '/account/time-zone', { timeZone: 'Asia/Kolkata' });
    expect(saved.status).toBe(303);
    expect((await agent.get(ticketsOn('2026-12-01'))).text).toContain('2026-12-01 05:00 IST');
    await postForm(session, '/account/time-zone', { timeZone: '' });
    expect((await agent.get(ticketsOn('2026-12-01'))).text).toContain('2026-12-01 00:30 WAT');
  });

  it('when the zone is not a real one, then the form comes back with a message and nothing is stored', async () => {
    const session = await supervisor();
    const { agent } = session;
    const res = await postForm(session, '/account/time-zone', { timeZone: 'Mars/Olympus' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Choose a time zone from the list');
    expect(res.text).toContain('aria-invalid="true"');
    expect((await agent.get(ticketsOn('2026-12-01'))).text).toContain('00:30 WAT');
  });
});
