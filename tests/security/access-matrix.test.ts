import type { Express } from 'express';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { buildApp, createUser, postForm, signIn, TEST_PASSWORD } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  ACTORS,
  buildWorld,
  concretePath,
  makeConsultation,
  makeCustomer,
  makeEscalation,
  makeInteraction,
  makeTicket,
  sessionFor,
  validBody,
  type ActorName,
  type Session,
  type World,
} from '../support/fixtures.js';
import { routeTable, type RouteEntry } from '../support/routes.js';
import { MATRIX, fillQuery, type Outcome } from './access-matrix.js';

let db: TestDatabase;
let app: Express;
let world: World;
let routes: RouteEntry[];
let checked = 0;
const statuses: Record<string, number> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  routes = routeTable(app);
  world = await buildWorld(db);
});
afterAll(async () => {
  console.log(
    `access matrix: ${checked} route × actor checks (${routes.length} routes × ${ACTORS.length} actors); statuses ${JSON.stringify(statuses)}`,
  );
  await db.drop();
});

const keyOf = (route: RouteEntry) => `${route.method} ${route.path}`;

// One actor's tour requests every route, so its time grows with the app.
const ACTOR_TOUR_TIMEOUT_MS = 180_000;

/** Why a response does not match the expected outcome, or null when it does. */
function mismatch(res: Response, outcome: Outcome, signsOut = false): string | null {
  const location = res.headers.location as string | undefined;
  const status = res.status;
  switch (outcome) {
    case 'login':
      return status === 303 && location === '/login'
        ? null
        : `expected 303 → /login, got ${status} ${location ?? ''}`;
    case 'forbidden':
      return status === 403 ? null : `expected 403, got ${status} ${location ?? ''}`;
    case 'notfound':
      return status === 404 ? null : `expected 404, got ${status}`;
    case 'ok':
      if (![200, 204, 303, 409, 422].includes(status))
        return `expected to be let through, got ${status}`;
      if (status === 303 && location === '/login' && !signsOut)
        return 'expected to be let through, got sent to /login';
      return null;
  }
}

async function send(
  session: Session,
  method: string,
  url: string,
  body: Record<string, string> = {},
) {
  if (method === 'GET') return session.agent.get(url);
  const token = await session.token();
  return session.agent
    .post(url)
    .type('form')
    .send({ ...body, _csrf: token });
}

describe('route table and matrix', () => {
  it('when the router table is read, then every route is listed once and the matrix covers exactly those routes', () => {
    const keys = routes.map(keyOf);
    expect(new Set(keys).size, 'duplicate routes').toBe(keys.length);
    const missing = keys.filter((k) => !(k in MATRIX));
    const stale = Object.keys(MATRIX).filter((k) => !keys.includes(k));
    expect(missing, 'routes without a matrix entry').toEqual([]);
    expect(stale, 'matrix entries without a route').toEqual([]);
    expect(keys.length).toBeGreaterThan(40);
  });
});

describe('access matrix: every route × every actor', () => {
  for (const actor of ACTORS) {
    it(
      `when ${actor} requests every route, then each answers as the matrix says`,
      async () => {
        const records = world.records[actor];
        const session = await sessionFor(app, actor, world);
        const failures: string[] = [];
        for (const route of routes) {
          const key = keyOf(route);
          const entry = MATRIX[key];
          if (!entry) continue; // reported by the coverage test above
          const url = concretePath(route.path, records) + fillQuery(entry.query, records);
          const body = route.method === 'GET' ? {} : await validBody(db, key, records, world);
          const own = entry.signsOut ? await sessionFor(app, actor, world) : session;
          const res = await send(own, route.method, url, body);
          if (entry.changesPassword && records.userId)
            await db.prisma.user.update({
              where: { id: records.userId },
              data: { passwordHash: await hashPassword(TEST_PASSWORD) },
            });
          const problem = mismatch(res, entry.expect[actor], entry.signsOut);
          if (problem) failures.push(`${key} as ${actor} (${url}): ${problem}`);
          if (entry.signsOut && actor !== 'anonymous') {
            const after = await own.agent.get('/');
            if (after.status !== 303)
              failures.push(`${key} as ${actor}: session still alive after signing out`);
          }
          checked += 1;
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        }
        // The actor's main session survived the whole tour (nothing signed it out by accident).
        const home = await session.agent.get('/');
        expect(home.status).toBe(actor === 'anonymous' ? 303 : 200);
        expect(failures).toEqual([]);
      },
      ACTOR_TOUR_TIMEOUT_MS,
    );
  }
});

describe('record-level access', () => {
  it("when an agent acts on interactions, then their own one works and another agent's is refused", async () => {
    const [me, other] = [await createUser(db, 'agent'), await createUser(db, 'agent')];
    const customer = await makeCustomer(db);
    const mine = await makeInteraction(db, customer.id, me.id);
    const theirs = await makeInteraction(db, customer.id, other.id);
    const session = await signIn(app, me.email);
    const { agent } = session;

    // Any staff member may read the customer's history…
    await agent.get(`/interactions/${theirs.id}`).expect(200);
    // …but only the handling agent (or a manager) changes it.
    await postForm(session, `/interactions/${theirs.id}/notes`, { body: 'Sneaky note' }).expect(
      403,
    );
    await postForm(session, `/interactions/${theirs.id}/pending`).expect(403);
    await postForm(session, `/interactions/${theirs.id}/end`).expect(403);
    expect(await db.prisma.interactionNote.count({ where: { interactionId: theirs.id } })).toBe(0);
    expect(
      (await db.prisma.interaction.findUniqueOrThrow({ where: { id: theirs.id } })).status,
    ).toBe('active');

    await postForm(session, `/interactions/${mine.id}/notes`, { body: 'My note' }).expect(303);
    await postForm(session, `/interactions/${mine.id}/end`, {
      version: String(mine.version),
    }).expect(303);
    expect(await db.prisma.interactionNote.count({ where: { interactionId: mine.id } })).toBe(1);
    expect((await db.prisma.interaction.findUniqueOrThrow({ where: { id: mine.id } })).status).toBe(
      'resolved',
    );
  });

  it('when an agent edits or moves a ticket assigned to another agent, then it is refused', async () => {
    const [me, other] = [await createUser(db, 'agent'), await createUser(db, 'agent')];
    const customer = await makeCustomer(db);
    const theirs = await makeTicket(db, customer.id, other.id, other.id);
    const session = await signIn(app, me.email);
    const { agent } = session;
    const records = { ...world.records.agent, ticketId: theirs.id, userId: me.id };
    await agent.get(`/tickets/${theirs.id}/edit`).expect(403);
    for (const action of ['edit', 'status', 'assign'] as const) {
      const body = await validBody(db, `POST /tickets/:id/${action}`, records, world);
      const res = await postForm(session, `/tickets/${theirs.id}/${action}`, body);
      expect(res.status, action).toBe(403);
    }
    const after = await db.prisma.supportTicket.findUniqueOrThrow({ where: { id: theirs.id } });
    expect(after.version).toBe(theirs.version);
    expect(after.assigneeId).toBe(other.id);
  });

  it("when a doctor works on consultations, then their own is editable; another doctor's is read-only with its medical notes withheld", async () => {
    const [me, other] = [await createUser(db, 'doctor'), await createUser(db, 'doctor')];
    const customer = await makeCustomer(db);
    const mine = await makeConsultation(db, customer.id, { doctorId: me.id });
    const otherCustomer = await makeCustomer(db);
    const theirs = await makeConsultation(db, otherCustomer.id, { doctorId: other.id });
    await db.prisma.consultationMedical.create({
      data: {
        consultationId: theirs.id,
        diagnosis: 'CANARY-DIAGNOSIS-7731',
        recordedById: other.id,
      },
    });
    const session = await signIn(app, me.email);
    const { agent } = session;

    // As implemented, any doctor may open a consultation page (the detail is open to all roles),
    // but without standing access the medical part is withheld.
    const page = await agent.get(`/consultations/${theirs.id}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('CANARY-DIAGNOSIS-7731');

    const before = await db.prisma.consultationMedical.findUniqueOrThrow({
      where: { consultationId: theirs.id },
    });
    const medical = await postForm(session, `/consultations/${theirs.id}/medical`, {
      version: String(before.version),
      diagnosis: 'Overwritten',
    });
    expect(medical.status).toBe(403);
    const status = await postForm(session, `/consultations/${theirs.id}/status`, {
      version: String(theirs.version),
      to: 'cancelled',
      cancelReason: 'Not mine',
    });
    expect(status.status).toBe(403);
    const start = await postForm(session, `/consultations/${theirs.id}/start`, {
      version: String(theirs.version),
    });
    expect(start.status).toBe(403);
    expect(
      await db.prisma.consultationMedical.findUniqueOrThrow({
        where: { consultationId: theirs.id },
      }),
    ).toEqual(before);
    expect(
      (await db.prisma.consultation.findUniqueOrThrow({ where: { id: theirs.id } })).version,
    ).toBe(theirs.version);

    // Own consultation: the notes are saved.
    await postForm(session, `/consultations/${mine.id}/medical`, {
      version: '0',
      diagnosis: 'Migraine',
    }).expect(303);
    expect(
      (
        await db.prisma.consultationMedical.findUniqueOrThrow({
          where: { consultationId: mine.id },
        })
      ).diagnosis,
    ).toBe('Migraine');
  });

  it('when an escalation is addressed to someone else, then it cannot be acted on (hidden from doctors and unrelated agents)', async () => {
    const doctor2 = await createUser(db, 'doctor');
    const admin2 = await createUser(db, 'admin');
    const agent2 = await createUser(db, 'agent');
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, agent2.id, agent2.id);
    const toDoctor2 = await makeEscalation(db, {
      customerId: customer.id,
      ticketId: ticket.id,
      raisedById: agent2.id,
      targetType: 'doctor',
      targetUserId: doctor2.id,
    });
    const toAdmin2 = await makeEscalation(db, {
      customerId: customer.id,
      ticketId: ticket.id,
      raisedById: agent2.id,
      targetType: 'admin',
      targetUserId: admin2.id,
    });

    const attempt = async (who: ActorName, id: number) => {
      const session = await sessionFor(app, who, world);
      const view = await session.agent.get(`/escalations/${id}`);
      const take = await send(session, 'POST', `/escalations/${id}/take`, { version: '1' });
      const resolve = await send(session, 'POST', `/escalations/${id}/resolve`, {
        version: '1',
        outcome: 'Done by someone else',
      });
      return [view.status, take.status, resolve.status];
    };
    // The doctor does not even see another doctor's escalation.
    expect(await attempt('doctor', toDoctor2.id)).toEqual([404, 404, 404]);
    // An agent unrelated to the escalation does not see it.
    expect(await attempt('agent', toAdmin2.id)).toEqual([404, 404, 404]);
    // A supervisor sees everything but is not a recipient.
    expect(await attempt('supervisor', toAdmin2.id)).toEqual([200, 403, 403]);
    // An admin sees a doctor's escalation but may not act on it.
    expect(await attempt('admin', toDoctor2.id)).toEqual([200, 403, 403]);

    for (const e of [toDoctor2, toAdmin2]) {
      const after = await db.prisma.escalation.findUniqueOrThrow({ where: { id: e.id } });
      expect([after.status, after.version]).toEqual(['pending', 1]);
    }
  });
});
