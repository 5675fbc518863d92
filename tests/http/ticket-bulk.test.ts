import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
type Session = Awaited<ReturnType<typeof signIn>>;
let sup: Session;
let supId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const s = await createUser(db, 'supervisor', { name: 'Sade List' });
  supId = s.id;
  sup = await signIn(app, s.email);
});
afterAll(async () => {
  await db.drop();
});

describe('bulk changes from the ticket list', () => {
  it('when a selected row changed meanwhile, then the result page lists changed and skipped rows and why', async () => {
    const customer = await makeCustomer(db);
    const [a, b] = [
      await makeTicket(db, customer.id, supId, null),
      await makeTicket(db, customer.id, supId, null),
    ];
    const list = await sup.agent.get(`/tickets?view=all&customer=${customer.id}`);
    expect(list.text).toContain(`name="v_${a.id}" value="1"`);
    expect(list.text).toContain(`name="ids" value="${b.id}"`);
    await db.prisma.supportTicket.update({
      where: { id: b.id },
      data: { subject: 'Edited meanwhile', version: 2 },
    });

    const back = `/tickets?view=all&customer=${customer.id}`;
    // Several tickets are chosen, so the form repeats `ids`: sent as the browser encodes it.
    const res = await sup.agent
      .post('/tickets/bulk')
      .type('form')
      .send(
        `_csrf=${sup.csrf}&ids=${a.id}&ids=${b.id}&v_${a.id}=1&v_${b.id}=1&action=priority&priority=urgent` +
          `&back=${encodeURIComponent(back)}`,
      );
    expect(res.status).toBe(303);
    const page = await sup.agent.get(res.headers.location);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Set priority urgent: 1 changed, 1 skipped');
    const skipped = page.text.slice(page.text.indexOf('id="skipped-h"'));
    expect(skipped).toContain(b.number);
    expect(skipped).toContain('changed by someone else since you loaded the list');
    expect(page.text).toContain(`href="${back.replace(/&/g, '&amp;')}"`);
    expect(
      (await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: a.id } })).priority,
    ).toBe('urgent');
    expect(
      (await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: b.id } })).priority,
    ).toBe('medium');
    // Shown once: a reload goes back to the list rather than repeating or re-running anything.
    const again = await sup.agent.get(res.headers.location);
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(back);
  });

  it('when nothing is selected, then the answer is 422 with the reason and nothing changes', async () => {
    const res = await postForm(sup, '/tickets/bulk', { action: 'status', status: 'pending' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Select at least one ticket.');
  });

  it('when the return address points off the ticket list, then it is replaced by the list', async () => {
    const res = await postForm(sup, '/tickets/bulk', {
      action: 'status',
      back: 'https://evil.test/',
    });
    expect(res.text).toContain('href="/tickets"');
    expect(res.text).not.toContain('evil.test');
  });
});
