import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listQuery } from '../../src/modules/tickets/schema.js';
import { getTicket } from '../../src/modules/tickets/service.js';
import { listTickets } from '../../src/modules/tickets/queries.js';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
let admin: Awaited<ReturnType<typeof signIn>>;
let adminId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const user = await createUser(db, 'admin');
  adminId = user.id;
  admin = await signIn(app, user.email);
});
afterAll(async () => {
  await db.drop();
});

/** The whole form as the page would post it, with some values replaced. */
async function form(changes: Record<string, string> = {}): Promise<Record<string, string>> {
  const rows = await db.prisma.slaTarget.findMany();
  const out: Record<string, string> = {};
  for (const r of rows) {
    out[`${r.priority}.firstResponseMins`] = String(r.firstResponseMins);
    out[`${r.priority}.resolutionMins`] = String(r.resolutionMins);
    out[`${r.priority}.version`] = String(r.version);
  }
  return { ...out, ...changes };
}

const save = (body: Record<string, string>) => postForm(admin, '/sla-targets', body);

describe('editing SLA targets', () => {
  it('when an admin changes a target, then tickets created before keep theirs and tickets created after get the new one', async () => {
    const agent = await createUser(db, 'agent');
    const customer = await makeCustomer(db);
    const before = await makeTicket(db, customer.id, agent.id, agent.id);
    const old = await getTicket(db.pool, before.id);
    const oldTarget = old.sla.resolution.targetSeconds;
    const lastAudit = await db.prisma.auditEvent.aggregate({ _max: { id: true } });

    await save(
      await form({ 'medium.firstResponseMins': '30', 'medium.resolutionMins': '90' }),
    ).expect(303);
    const after = await makeTicket(db, customer.id, agent.id, agent.id);

    expect((await getTicket(db.pool, before.id)).sla.resolution.targetSeconds).toBe(oldTarget);
    expect((await getTicket(db.pool, after.id)).sla.resolution.targetSeconds).toBe(90 * 60);
    expect((await getTicket(db.pool, after.id)).sla.firstResponse.targetSeconds).toBe(30 * 60);

    // The list computes the same clocks in SQL: two hours on, only the new ticket is overdue.
    const later = new Date(Date.now() + 2 * 3_600_000);
    const { tickets } = await listTickets(
      db.pool,
      { id: adminId, role: 'admin' },
      listQuery.parse({ sla: 'breached', view: 'all' }),
      { page: 1, now: later },
    );
    const ids = tickets.map((t) => t.id);
    expect(ids).toContain(after.id);
    expect(ids).not.toContain(before.id);

    const page = (await admin.agent.get('/sla-targets').expect(200)).text;
    expect(page).toMatch(/<strong>medium<\/strong>: first response 30 min, resolution 90 min/);
    // Only this save's audit rows: other scenarios in this file change targets too.
    const audit = await db.prisma.auditEvent.findMany({
      where: { action: 'sla_target_changed', id: { gt: lastAudit._max.id ?? 0n } },
    });
    expect(audit.map((a) => [a.actorId, a.fieldGroup])).toEqual([[adminId, 'medium']]);
  });

  it('when values are missing, out of range or inconsistent, then the form comes back with them and nothing is saved', async () => {
    const before = await db.prisma.slaTarget.findMany({ orderBy: { priority: 'asc' } });
    const res = await save(
      await form({
        'urgent.firstResponseMins': 'soon',
        'high.resolutionMins': '999999',
        'low.firstResponseMins': '500',
        'low.resolutionMins': '100',
      }),
    );
    expect(res.status).toBe(422);
    expect(res.text).toContain('value="soon"');
    expect(res.text).toContain('at most 129600 minutes');
    expect(res.text).toContain('Resolution cannot be due before the first response.');
    expect(await db.prisma.slaTarget.findMany({ orderBy: { priority: 'asc' } })).toEqual(before);
  });

  it('when someone saved in the meantime, then the conflict is shown with the typed values and nothing is overwritten', async () => {
    const stale = await form({ 'high.resolutionMins': '1000' });
    await save(await form({ 'high.resolutionMins': '2000' })).expect(303);
    const res = await save(stale);
    expect(res.status).toBe(409);
    expect(res.text).toContain('Someone saved SLA targets');
    expect(res.text).toContain('value="1000"');
    expect(
      (await db.prisma.slaTarget.findUniqueOrThrow({ where: { priority: 'high' } })).resolutionMins,
    ).toBe(2000);
  });

  it('when nobody but an admin asks, then the page is refused', async () => {
    const supervisor = await signIn(app, (await createUser(db, 'supervisor')).email);
    await supervisor.agent.get('/sla-targets').expect(403);
    await postForm(supervisor, '/sla-targets', await form()).expect(403);
  });
});
