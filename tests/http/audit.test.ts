import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, signIn } from '../support/app.js';
import { recordAudit } from '../../src/audit.js';
import { makeCustomer } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
});
afterAll(async () => {
  await db.drop();
});

describe('audit page', () => {
  it('when an agent, a supervisor or a doctor opens the audit trail, then it is refused', async () => {
    for (const role of ['agent', 'supervisor', 'doctor'] as const) {
      const u = await createUser(db, role);
      const { agent } = await signIn(app, u.email);
      await agent.get('/audit').expect(403);
    }
  });

  it('when an admin filters by user, patient or dates, then only those rows show, pages follow by keyset, and bad parameters are ignored', async () => {
    const d1 = await createUser(db, 'doctor', { name: 'Doctor Filter One' });
    const d2 = await createUser(db, 'doctor', { name: 'Doctor Filter Two' });
    const p1 = await makeCustomer(db, { label: 'AudOne' });
    const p2 = await makeCustomer(db, { label: 'AudTwo' });
    for (let i = 0; i < 30; i++)
      await recordAudit(db.prisma, {
        actor: { id: d1.id, role: 'doctor' },
        action: 'medical_view',
        customerId: p1.id,
        recordType: 'customer',
        recordId: p1.id,
        fieldGroup: 'customer_medical',
        reason: 'assigned',
      });
    await recordAudit(db.prisma, {
      actor: { id: d2.id, role: 'doctor' },
      action: 'medical_reveal',
      customerId: p2.id,
      fieldGroup: 'customer_medical',
      reason: 'Unique reveal reason here',
    });
    const admin = await createUser(db, 'admin');
    const { agent } = await signIn(app, admin.email);
    const all = await agent.get('/audit').expect(200);
    expect(all.headers['cache-control']).toContain('no-store');
    expect(all.text).toContain('rel="next"');
    const byUser = await agent.get(`/audit?userId=${d2.id}`).expect(200);
    expect(byUser.text).toContain('Unique reveal reason here');
    expect(byUser.text).not.toContain(p1.fullName);
    const byPatient = await agent.get(`/audit?customerId=${p1.id}`).expect(200);
    expect(byPatient.text).toContain(p1.fullName);
    expect(byPatient.text).not.toContain('Unique reveal reason here');
    const next = /href="(\/audit\?[^"]*before=\d+)"/.exec(byPatient.text.replace(/&amp;/g, '&'));
    expect(next).not.toBeNull();
    const page2 = await agent.get(next![1]).expect(200);
    expect((page2.text.match(/<tr>/g) ?? []).length).toBe(1 + 5); // header + the remaining 5
    const today = new Date().toISOString().slice(0, 10);
    expect(
      (await agent.get(`/audit?from=${today}&to=${today}&userId=${d2.id}`).expect(200)).text,
    ).toContain('medical_reveal');
    expect((await agent.get(`/audit?to=2000-01-01`).expect(200)).text).toContain('class="empty"');
    await agent
      .get('/audit?userId=abc&customerId=-1&from=xx&to=2026-02-31&before=zz&action=DROP%20TABLE')
      .expect(200);
  });
});
