import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, signIn, postForm } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
type Session = Awaited<ReturnType<typeof signIn>>;
let amaka: Session;
let amakaId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const a = await createUser(db, 'agent', { name: 'Amaka Merger' });
  amakaId = a.id;
  amaka = await signIn(app, a.email);
});
afterAll(async () => {
  await db.drop();
});

describe('merging from the ticket page', () => {
  it('when an agent merges a duplicate, then the survivor shows its thread and both pages link', async () => {
    const customer = await makeCustomer(db);
    const [survivor, duplicate] = [
      await makeTicket(db, customer.id, amakaId, amakaId),
      await makeTicket(db, customer.id, amakaId, amakaId),
    ];
    await postForm(amaka, `/tickets/${duplicate.id}/entries`, {
      kind: 'note',
      body: 'Patient also wrote in here.',
    }).expect(303);
    const page = await amaka.agent.get(`/tickets/${duplicate.id}`);
    expect(page.text).toContain(`<option value="${survivor.id}">${survivor.number}`);

    const res = await postForm(amaka, `/tickets/${duplicate.id}/merge`, {
      intoId: String(survivor.id),
      version: '1',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/tickets/${survivor.id}#thread`);
    const kept = await amaka.agent.get(`/tickets/${survivor.id}`);
    expect(kept.text).toContain('Patient also wrote in here.');
    expect(kept.text).toContain(`${duplicate.number} merged into this ticket`);
    const gone = await amaka.agent.get(`/tickets/${duplicate.id}`);
    expect(gone.text).toContain(`Merged into ${survivor.number}`);
    expect(gone.text).not.toContain('action="/tickets/' + duplicate.id + '/entries"');
  });

  it("when the form is forged to merge into another customer's ticket, then 422 and nothing is merged", async () => {
    const [c1, c2] = [await makeCustomer(db), await makeCustomer(db)];
    const mine = await makeTicket(db, c1.id, amakaId, amakaId);
    const foreign = await makeTicket(db, c2.id, amakaId, amakaId);
    const res = await postForm(amaka, `/tickets/${mine.id}/merge`, {
      intoId: String(foreign.id),
      version: '1',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Only tickets of the same customer can be merged.');
    expect(
      (await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: mine.id } })).status,
    ).toBe('open');
  });
});
