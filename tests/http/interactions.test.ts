import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, postForm, signIn, type SignedIn } from '../support/app.js';
import { makeCustomer } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
type Session = SignedIn;
const as: Record<'agent' | 'agent2' | 'supervisor' | 'admin' | 'doctor', Session> = {} as never;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  for (const key of ['agent', 'agent2', 'supervisor', 'admin', 'doctor'] as const) {
    const user = await createUser(db, key === 'agent2' ? 'agent' : key);
    as[key] = await signIn(app, user.email);
  }
});
afterAll(async () => {
  await db.drop();
});

/** A customer of this test's own, with contact details the page turns into links. */
async function funmi() {
  const made = await makeCustomer(db, { label: 'Funmi' });
  return db.prisma.customer.update({
    where: { id: made.id },
    data: { lastName: 'Adeyemi', fullName: `${made.firstName} Adeyemi` },
  });
}

/** Starts an interaction through the form, with a new customer unless one is given. */
async function start(s: Session, extra: Record<string, string> = {}) {
  const customerId = extra.customerId ?? String((await makeCustomer(db)).id);
  const res = await postForm(s, '/interactions', {
    customerId,
    channel: 'chat',
    subject: 'Login trouble',
    ...extra,
  });
  expect(res.status).toBe(303);
  return Number(/\/interactions\/(\d+)/.exec(res.headers.location)![1]);
}

/** The version the interaction page's status forms carry, as a user's browser would send it. */
async function pageVersion(s: Session, id: number): Promise<string> {
  const page = await s.agent.get(`/interactions/${id}`);
  expect(page.status).toBe(200);
  const match = /name="version" value="(\d+)"/.exec(page.text);
  expect(match, 'version input on the page').not.toBeNull();
  return match![1];
}

describe('access', () => {
  it('when someone not signed in opens the interactions, then they are sent to /login with 303', async () => {
    const res = await request(app).get('/interactions');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    expect((await request(app).get('/interactions/new')).status).toBe(303);
  });

  it('when agents, supervisors and admins open the interactions, then they get in, and doctors are refused', async () => {
    for (const key of ['agent', 'supervisor', 'admin'] as const)
      expect((await as[key].agent.get('/interactions')).status).toBe(200);
    const id = await start(as.agent);
    expect((await as.doctor.agent.get('/interactions')).status).toBe(403);
    expect((await as.doctor.agent.get(`/interactions/${id}`)).status).toBe(403);
    expect((await as.doctor.agent.get('/interactions/new')).status).toBe(403);
    expect((await postForm(as.doctor, `/interactions/${id}/end`)).status).toBe(403);
  });

  it('when another agent opens an interaction, then they may view it but not act on it', async () => {
    const id = await start(as.agent);
    expect((await as.agent2.agent.get(`/interactions/${id}`)).status).toBe(200);
    expect((await postForm(as.agent2, `/interactions/${id}/pending`)).status).toBe(403);
    expect((await postForm(as.agent2, `/interactions/${id}/notes`, { body: 'hi' })).status).toBe(
      403,
    );
    expect(
      (
        await postForm(as.supervisor, `/interactions/${id}/pending`, {
          version: await pageVersion(as.supervisor, id),
        })
      ).status,
    ).toBe(303);
  });
});

describe('starting', () => {
  it('when an agent searches for a customer, then the start form for them carries an idempotency key', async () => {
    const customerId = (await funmi()).id;
    const search = await as.agent.agent.get('/interactions/new?q=adeyemi');
    expect(search.status).toBe(200);
    expect(search.text).toContain(`/interactions/new?customerId=${customerId}`);
    const form = await as.agent.agent.get(`/interactions/new?customerId=${customerId}`);
    expect(form.text).toMatch(/name="idempotencyKey" value="[0-9a-f-]{36}"/);
  });

  it('when the start form is submitted twice, then one interaction is created', async () => {
    const form = { customerId: String((await makeCustomer(db)).id), idempotencyKey: 'http-int-1' };
    const first = await start(as.agent, form);
    const second = await start(as.agent, form);
    expect(second).toBe(first);
  });

  it('when the channel is bad or the customer unknown, then the form comes back 422 with the input kept', async () => {
    const customer = await makeCustomer(db);
    const res = await postForm(as.agent, '/interactions', {
      customerId: String(customer.id),
      channel: 'fax',
      subject: 'Keep me',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('value="Keep me"');
    expect(res.text).toContain('aria-invalid="true"');
    const unknown = await postForm(as.agent, '/interactions', {
      customerId: '99999999',
      channel: 'chat',
    });
    expect(unknown.status).toBe(422);
    const junk = await postForm(as.agent, '/interactions', { customerId: 'abc' });
    expect(junk.status).toBe(422);
  });
});

describe('the interaction page', () => {
  it('when an agent opens an interaction, then it shows quick contact links, ticket and escalation links, and a live duration', async () => {
    const customer = await funmi();
    const digits = customer.phone.replace(/\D/g, '');
    const id = await start(as.agent, { customerId: String(customer.id) });
    const res = await as.agent.agent.get(`/interactions/${id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`https://wa.me/${digits}`);
    expect(res.text).toContain(`tel:+${digits}`);
    expect(res.text).toContain(`mailto:${customer.email}`);
    expect(res.text).toContain(`/tickets/new?interactionId=${id}`);
    expect(res.text).toContain(`/escalations/new?interactionId=${id}`);
    expect(res.text).toMatch(/<time data-since="\d{4}-/);
    expect(res.text).toContain(`data-draft-key="interaction-note-${id}"`);
  });

  it('when a note is added, then it is saved with PRG, and a bad note comes back 422 with the text kept', async () => {
    const id = await start(as.agent);
    const empty = await postForm(as.agent, `/interactions/${id}/notes`, { body: '   ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Write the note before saving it.');
    const long = 'x'.repeat(5001);
    const tooLong = await postForm(as.agent, `/interactions/${id}/notes`, { body: long });
    expect(tooLong.status).toBe(422);
    expect(tooLong.text).toContain(long);
    const ok = await postForm(as.agent, `/interactions/${id}/notes`, {
      body: 'Customer <b>reset</b> password',
    });
    expect(ok.status).toBe(303);
    const page = await as.agent.agent.get(`/interactions/${id}`);
    expect(page.text).toContain('Customer &lt;b&gt;reset&lt;/b&gt; password');
  });

  it('when an interaction is ended, then it gets a duration, and ending it twice is refused', async () => {
    const id = await start(as.agent);
    expect(
      (
        await postForm(as.agent, `/interactions/${id}/end`, {
          version: await pageVersion(as.agent, id),
        })
      ).status,
    ).toBe(303);
    const row = await db.prisma.interaction.findUniqueOrThrow({ where: { id } });
    expect(row.status).toBe('resolved');
    expect(row.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(
      (await postForm(as.agent, `/interactions/${id}/end`, { version: String(row.version) }))
        .status,
    ).toBe(422);
  });
});

describe('status changes carry the version (no lost updates)', () => {
  it('when two open pages change the status, then the second gets a 409 conflict page and the first change is kept', async () => {
    const id = await start(as.agent);
    // Both the agent and a supervisor have the page open at the same version.
    const agentVersion = await pageVersion(as.agent, id);
    const supervisorVersion = await pageVersion(as.supervisor, id);
    expect(supervisorVersion).toBe(agentVersion);

    expect(
      (await postForm(as.agent, `/interactions/${id}/end`, { version: agentVersion })).status,
    ).toBe(303);
    const ended = await db.prisma.interaction.findUniqueOrThrow({ where: { id } });
    expect(ended.status).toBe('resolved');

    const stale = await postForm(as.supervisor, `/interactions/${id}/pending`, {
      version: supervisorVersion,
    });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('Someone changed interaction #' + id + ' first');
    expect(stale.text).toMatch(
      /Saved now[\s\S]*badge-resolved[\s\S]*You asked for[\s\S]*Set pending/,
    );
    expect(stale.text).toContain('status: active → resolved');
    // Pending is no longer possible from resolved: no retry form, only a way back.
    expect(stale.text).not.toContain(`action="/interactions/${id}/pending"`);
    expect(stale.text).toContain(`href="/interactions/${id}"`);

    const after = await db.prisma.interaction.findUniqueOrThrow({ where: { id } });
    expect(after).toMatchObject({
      status: 'resolved',
      endedAt: ended.endedAt,
      durationSeconds: ended.durationSeconds,
      version: ended.version,
    });
    const changes = await db.prisma.recordChange.findMany({
      where: { recordType: 'interaction', recordId: id },
      orderBy: { id: 'asc' },
    });
    expect(changes.map((c) => c.toValue)).toEqual(['active', 'resolved']);
  });

  it('when the stale action is still legal, then the conflict page offers a retry with the new version', async () => {
    const id = await start(as.agent);
    const old = await pageVersion(as.supervisor, id);
    expect(
      (
        await postForm(as.agent, `/interactions/${id}/pending`, {
          version: await pageVersion(as.agent, id),
        })
      ).status,
    ).toBe(303);

    const stale = await postForm(as.supervisor, `/interactions/${id}/end`, { version: old });
    expect(stale.status).toBe(409);
    expect((await db.prisma.interaction.findUniqueOrThrow({ where: { id } })).status).toBe(
      'pending',
    );
    const current = (await db.prisma.interaction.findUniqueOrThrow({ where: { id } })).version;
    const retry = new RegExp(
      `<form method="post" action="/interactions/${id}/end"[^>]*>[\\s\\S]*?name="version" value="(\\d+)"`,
    ).exec(stale.text);
    expect(retry?.[1]).toBe(String(current));
    expect(stale.text).toContain('End interaction anyway');

    expect(
      (await postForm(as.supervisor, `/interactions/${id}/end`, { version: retry![1] })).status,
    ).toBe(303);
    expect((await db.prisma.interaction.findUniqueOrThrow({ where: { id } })).status).toBe(
      'resolved',
    );
  });

  it('when the version is missing or invalid, then the answer is 422 with a message, after 404/403', async () => {
    const id = await start(as.agent);
    for (const version of [undefined, '', 'abc', '0', '-1', '1.5', '99999999999']) {
      const res = await postForm(
        as.agent,
        `/interactions/${id}/pending`,
        version === undefined ? {} : { version },
      );
      expect(res.status, `version=${String(version)}`).toBe(422);
      expect(res.text).toContain('reload the page and try again');
    }
    const arrays = await as.agent.agent
      .post(`/interactions/${id}/end`)
      .type('form')
      .send(`_csrf=${encodeURIComponent(as.agent.csrf)}&version=1&version=1`);
    expect(arrays.status).toBe(422);
    expect((await db.prisma.interaction.findUniqueOrThrow({ where: { id } })).status).toBe(
      'active',
    );
    // A stranger or an unknown row learns nothing about the form.
    expect((await postForm(as.agent2, `/interactions/${id}/pending`)).status).toBe(403);
    expect((await postForm(as.agent, '/interactions/999999/pending')).status).toBe(404);
  });

  it('when a note is added, then no version is asked for and the version stays (an append)', async () => {
    const id = await start(as.agent);
    const version = await pageVersion(as.agent, id);
    expect(
      (await postForm(as.agent, `/interactions/${id}/notes`, { body: 'Appended' })).status,
    ).toBe(303);
    expect(await pageVersion(as.agent, id)).toBe(version);
  });
});

describe('escalation links', () => {
  it('when an interaction has escalations, then only those the viewer may open are linked', async () => {
    const id = await start(as.agent);
    const admin = await db.prisma.user.findFirstOrThrow({
      where: { role: 'admin' },
      select: { id: true },
    });
    const raised = await postForm(as.agent, '/escalations', {
      interactionId: String(id),
      targetType: 'admin',
      targetUserId: String(admin.id),
      reason: 'Needs an admin decision.',
    });
    expect(raised.status).toBe(303);
    const escalationId = Number(/\/escalations\/(\d+)/.exec(raised.headers.location)![1]);
    const link = `href="/escalations/${escalationId}"`;

    expect((await as.agent.agent.get(`/interactions/${id}`)).text).toContain(link);
    expect((await as.supervisor.agent.get(`/interactions/${id}`)).text).toContain(link);
    const other = await as.agent2.agent.get(`/interactions/${id}`);
    expect(other.status).toBe(200);
    expect(other.text).toContain(`Escalation #${escalationId}`);
    expect(other.text).not.toContain(link);
    expect([403, 404]).toContain(
      (await as.agent2.agent.get(`/escalations/${escalationId}`)).status,
    );
  });
});

describe('bad input never causes a 500', () => {
  it('when the id is bad or unknown, then the answer is 404', async () => {
    for (const path of [
      '/interactions/abc',
      '/interactions/99999999999',
      '/interactions/0',
      '/interactions/1.5',
      '/interactions/999999',
    ]) {
      expect((await as.agent.agent.get(path)).status).toBe(404);
    }
    expect((await postForm(as.agent, '/interactions/abc/end')).status).toBe(404);
    expect((await postForm(as.agent, '/interactions/999999/notes', { body: 'x' })).status).toBe(
      404,
    );
  });

  it('when filter values are bad, then they are ignored', async () => {
    const res = await as.supervisor.agent.get(
      '/interactions?status=bogus&channel[]=x&scope=weird&from=2026-13-45&to=nope&page=-3&customer=%25_%5C',
    );
    expect(res.status).toBe(200);
    expect((await as.agent.agent.get('/interactions/new?customerId=abc&q[]=1')).status).toBe(200);
  });
});
