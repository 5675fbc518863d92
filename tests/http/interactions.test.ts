import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, signIn } from '../support/app.js';

let db: TestDatabase;
let app: Express;
let customerId: number;
type Session = Awaited<ReturnType<typeof signIn>>;
const as: Record<'agent' | 'agent2' | 'supervisor' | 'admin' | 'doctor', Session> = {} as never;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  for (const key of ['agent', 'agent2', 'supervisor', 'admin', 'doctor'] as const) {
    const user = await createUser(db, key === 'agent2' ? 'agent' : key);
    as[key] = await signIn(app, user.email);
  }
  const c = await db.prisma.customer.create({
    data: {
      firstName: 'Funmi',
      lastName: 'Adeyemi',
      fullName: 'Funmi Adeyemi',
      email: 'funmi@example.test',
      phone: '+234 802 111 2222',
      phoneDigits: '2348021112222',
    },
  });
  customerId = c.id;
});
afterAll(async () => {
  await db.drop();
});

async function start(s: Session, extra: Record<string, string> = {}) {
  const res = await s.agent
    .post('/interactions')
    .type('form')
    .send({
      _csrf: s.csrf,
      customerId: String(customerId),
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
  it('redirects anonymous users to /login with 303', async () => {
    const res = await request(app).get('/interactions');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    expect((await request(app).get('/interactions/new')).status).toBe(303);
  });

  it('lets agents, supervisors and admins in, and refuses doctors', async () => {
    for (const key of ['agent', 'supervisor', 'admin'] as const)
      expect((await as[key].agent.get('/interactions')).status).toBe(200);
    const id = await start(as.agent);
    expect((await as.doctor.agent.get('/interactions')).status).toBe(403);
    expect((await as.doctor.agent.get(`/interactions/${id}`)).status).toBe(403);
    expect((await as.doctor.agent.get('/interactions/new')).status).toBe(403);
    expect(
      (
        await as.doctor.agent
          .post(`/interactions/${id}/end`)
          .type('form')
          .send({ _csrf: as.doctor.csrf })
      ).status,
    ).toBe(403);
  });

  it('lets another agent view but not act on an interaction', async () => {
    const id = await start(as.agent);
    expect((await as.agent2.agent.get(`/interactions/${id}`)).status).toBe(200);
    expect(
      (
        await as.agent2.agent
          .post(`/interactions/${id}/pending`)
          .type('form')
          .send({ _csrf: as.agent2.csrf })
      ).status,
    ).toBe(403);
    expect(
      (
        await as.agent2.agent
          .post(`/interactions/${id}/notes`)
          .type('form')
          .send({ _csrf: as.agent2.csrf, body: 'hi' })
      ).status,
    ).toBe(403);
    expect(
      (
        await as.supervisor.agent
          .post(`/interactions/${id}/pending`)
          .type('form')
          .send({ _csrf: as.supervisor.csrf, version: await pageVersion(as.supervisor, id) })
      ).status,
    ).toBe(303);
  });
});

describe('starting', () => {
  it('finds a customer and shows the start form with an idempotency key', async () => {
    const search = await as.agent.agent.get('/interactions/new?q=adeyemi');
    expect(search.status).toBe(200);
    expect(search.text).toContain(`/interactions/new?customerId=${customerId}`);
    const form = await as.agent.agent.get(`/interactions/new?customerId=${customerId}`);
    expect(form.text).toMatch(/name="idempotencyKey" value="[0-9a-f-]{36}"/);
  });

  it('creates one interaction on a double submit', async () => {
    const first = await start(as.agent, { idempotencyKey: 'http-int-1' });
    const second = await start(as.agent, { idempotencyKey: 'http-int-1' });
    expect(second).toBe(first);
  });

  it('re-renders with 422 and keeps input on a bad channel or unknown customer', async () => {
    const res = await as.agent.agent
      .post('/interactions')
      .type('form')
      .send({
        _csrf: as.agent.csrf,
        customerId: String(customerId),
        channel: 'fax',
        subject: 'Keep me',
      });
    expect(res.status).toBe(422);
    expect(res.text).toContain('value="Keep me"');
    expect(res.text).toContain('aria-invalid="true"');
    const unknown = await as.agent.agent
      .post('/interactions')
      .type('form')
      .send({ _csrf: as.agent.csrf, customerId: '99999999', channel: 'chat' });
    expect(unknown.status).toBe(422);
    const junk = await as.agent.agent
      .post('/interactions')
      .type('form')
      .send({ _csrf: as.agent.csrf, customerId: 'abc' });
    expect(junk.status).toBe(422);
  });
});

describe('the interaction page', () => {
  it('shows quick contact links, ticket and escalation links, and a live duration', async () => {
    const id = await start(as.agent);
    const res = await as.agent.agent.get(`/interactions/${id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('https://wa.me/2348021112222');
    expect(res.text).toContain('tel:+2348021112222');
    expect(res.text).toContain('mailto:funmi@example.test');
    expect(res.text).toContain(`/tickets/new?interactionId=${id}`);
    expect(res.text).toContain(`/escalations/new?interactionId=${id}`);
    expect(res.text).toMatch(/<time data-since="\d{4}-/);
    expect(res.text).toContain(`data-draft-key="interaction-note-${id}"`);
  });

  it('adds notes with PRG and re-renders a bad note with 422 keeping the text', async () => {
    const id = await start(as.agent);
    const empty = await as.agent.agent
      .post(`/interactions/${id}/notes`)
      .type('form')
      .send({ _csrf: as.agent.csrf, body: '   ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Write the note before saving it.');
    const long = 'x'.repeat(5001);
    const tooLong = await as.agent.agent
      .post(`/interactions/${id}/notes`)
      .type('form')
      .send({ _csrf: as.agent.csrf, body: long });
    expect(tooLong.status).toBe(422);
    expect(tooLong.text).toContain(long);
    const ok = await as.agent.agent
      .post(`/interactions/${id}/notes`)
      .type('form')
      .send({ _csrf: as.agent.csrf, body: 'Customer <b>reset</b> password' });
    expect(ok.status).toBe(303);
    const page = await as.agent.agent.get(`/interactions/${id}`);
    expect(page.text).toContain('Customer &lt;b&gt;reset&lt;/b&gt; password');
  });

  it('ends an interaction with a duration and refuses ending it twice', async () => {
    const id = await start(as.agent);
    expect(
      (
        await as.agent.agent
          .post(`/interactions/${id}/end`)
          .type('form')
          .send({ _csrf: as.agent.csrf, version: await pageVersion(as.agent, id) })
      ).status,
    ).toBe(303);
    const row = await db.prisma.interaction.findUniqueOrThrow({ where: { id } });
    expect(row.status).toBe('resolved');
    expect(row.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(
      (
        await as.agent.agent
          .post(`/interactions/${id}/end`)
          .type('form')
          .send({ _csrf: as.agent.csrf, version: String(row.version) })
      ).status,
    ).toBe(422);
  });
});

describe('status changes carry the version (no lost updates)', () => {
  it('gives the second of two open pages a 409 conflict page and keeps the first change', async () => {
    const id = await start(as.agent);
    // Both the agent and a supervisor have the page open at the same version.
    const agentVersion = await pageVersion(as.agent, id);
    const supervisorVersion = await pageVersion(as.supervisor, id);
    expect(supervisorVersion).toBe(agentVersion);

    expect(
      (
        await as.agent.agent
          .post(`/interactions/${id}/end`)
          .type('form')
          .send({ _csrf: as.agent.csrf, version: agentVersion })
      ).status,
    ).toBe(303);
    const ended = await db.prisma.interaction.findUniqueOrThrow({ where: { id } });
    expect(ended.status).toBe('resolved');

    const stale = await as.supervisor.agent
      .post(`/interactions/${id}/pending`)
      .type('form')
      .send({ _csrf: as.supervisor.csrf, version: supervisorVersion });
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

  it('offers a retry with the new version when the action is still legal', async () => {
    const id = await start(as.agent);
    const old = await pageVersion(as.supervisor, id);
    expect(
      (
        await as.agent.agent
          .post(`/interactions/${id}/pending`)
          .type('form')
          .send({ _csrf: as.agent.csrf, version: await pageVersion(as.agent, id) })
      ).status,
    ).toBe(303);

    const stale = await as.supervisor.agent
      .post(`/interactions/${id}/end`)
      .type('form')
      .send({ _csrf: as.supervisor.csrf, version: old });
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
      (
        await as.supervisor.agent
          .post(`/interactions/${id}/end`)
          .type('form')
          .send({ _csrf: as.supervisor.csrf, version: retry![1] })
      ).status,
    ).toBe(303);
    expect((await db.prisma.interaction.findUniqueOrThrow({ where: { id } })).status).toBe(
      'resolved',
    );
  });

  it('answers 422 with a message for a missing or invalid version, after 404/403', async () => {
    const id = await start(as.agent);
    for (const version of [undefined, '', 'abc', '0', '-1', '1.5', '99999999999']) {
      const res = await as.agent.agent
        .post(`/interactions/${id}/pending`)
        .type('form')
        .send({ _csrf: as.agent.csrf, ...(version === undefined ? {} : { version }) });
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
    expect(
      (
        await as.agent2.agent
          .post(`/interactions/${id}/pending`)
          .type('form')
          .send({ _csrf: as.agent2.csrf })
      ).status,
    ).toBe(403);
    expect(
      (
        await as.agent.agent
          .post('/interactions/999999/pending')
          .type('form')
          .send({ _csrf: as.agent.csrf })
      ).status,
    ).toBe(404);
  });

  it('does not ask for a version to add a note (an append)', async () => {
    const id = await start(as.agent);
    const version = await pageVersion(as.agent, id);
    expect(
      (
        await as.agent.agent
          .post(`/interactions/${id}/notes`)
          .type('form')
          .send({ _csrf: as.agent.csrf, body: 'Appended' })
      ).status,
    ).toBe(303);
    expect(await pageVersion(as.agent, id)).toBe(version);
  });
});

describe('escalation links', () => {
  it('links only the escalations the viewer may open', async () => {
    const id = await start(as.agent);
    const admin = await db.prisma.user.findFirstOrThrow({
      where: { role: 'admin' },
      select: { id: true },
    });
    const raised = await as.agent.agent
      .post('/escalations')
      .type('form')
      .send({
        _csrf: as.agent.csrf,
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
  it('returns 404 for bad ids', async () => {
    for (const path of [
      '/interactions/abc',
      '/interactions/99999999999',
      '/interactions/0',
      '/interactions/1.5',
      '/interactions/999999',
    ]) {
      expect((await as.agent.agent.get(path)).status).toBe(404);
    }
    expect(
      (
        await as.agent.agent
          .post('/interactions/abc/end')
          .type('form')
          .send({ _csrf: as.agent.csrf })
      ).status,
    ).toBe(404);
    expect(
      (
        await as.agent.agent
          .post('/interactions/999999/notes')
          .type('form')
          .send({ _csrf: as.agent.csrf, body: 'x' })
      ).status,
    ).toBe(404);
  });

  it('ignores bad filter values', async () => {
    const res = await as.supervisor.agent.get(
      '/interactions?status=bogus&channel[]=x&scope=weird&from=2026-13-45&to=nope&page=-3&customer=%25_%5C',
    );
    expect(res.status).toBe(200);
    expect((await as.agent.agent.get('/interactions/new?customerId=abc&q[]=1')).status).toBe(200);
  });
});
