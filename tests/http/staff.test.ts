import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashResetToken } from '../../src/auth/reset-links.js';
import { changeRole, setActive } from '../../src/modules/staff/service.js';
import {
  buildApp,
  createUser,
  csrfFrom,
  signIn,
  STRONG_PASSWORD,
  TEST_PASSWORD,
  postForm,
} from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let app: Express;
let admin: { id: number; email: string };
let session: Awaited<ReturnType<typeof signIn>>;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  admin = await createUser(db, 'admin', { name: 'Head Admin' });
  session = await signIn(app, admin.email);
});
afterAll(async () => {
  await db.drop();
});

const post = (url: string, body: Record<string, string> = {}) => postForm(session, url, body);

function linkFrom(html: string): string {
  const match = /value="(https?:\/\/[^"]+\/reset-password\/([A-Za-z0-9_-]{43}))"/.exec(html);
  if (!match) throw new Error('No sign-in link on the page');
  return new URL(match[1]).pathname;
}

async function setPasswordThrough(path: string, password = STRONG_PASSWORD) {
  const browser = request.agent(app);
  const page = await browser.get(path);
  if (page.status !== 200) return page;
  return browser
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), password, confirm: password });
}

describe('adding a person and their first sign-in', () => {
  it('when an admin adds an agent, then a link is shown once, only its hash is stored, and it works exactly once', async () => {
    const email = `new.agent.${Date.now()}@staff.test`;
    const res = await post('/staff', {
      name: 'Nia Newcomer',
      email: email.toUpperCase(),
      role: 'agent',
      specialization: '',
    }).expect(200);
    const path = linkFrom(res.text);
    const token = path.split('/').pop()!;
    const user = await db.prisma.user.findUniqueOrThrow({
      where: { email },
      include: { passwordResets: true },
    });
    expect(user.role).toBe('agent');
    expect(user.passwordResets).toHaveLength(1);
    expect(user.passwordResets[0].tokenHash).toBe(hashResetToken(token));
    expect(JSON.stringify(user.passwordResets)).not.toContain(token);
    const hours =
      (user.passwordResets[0].expiresAt.getTime() - user.passwordResets[0].createdAt.getTime()) /
      3_600_000;
    expect(hours).toBe(24);
    // The account page does not show the link again.
    expect((await session.agent.get(`/staff/${user.id}`).expect(200)).text).not.toContain(token);

    // No password works before the link is used.
    await expect(signIn(app, email, TEST_PASSWORD)).rejects.toThrow();
    const set = await setPasswordThrough(path);
    expect(set.status).toBe(303);
    expect(set.headers.location).toBe('/login');
    const { agent } = await signIn(app, email, STRONG_PASSWORD);
    await agent.get('/tickets').expect(200);

    const again = await setPasswordThrough(path, 'another long passphrase 9931 kite');
    expect(again.status).toBe(404);
    expect(again.text).toContain('already used');
    await expect(signIn(app, email, 'another long passphrase 9931 kite')).rejects.toThrow();
  });

  it('when a link has expired, then it is refused and the password stays as it was', async () => {
    const person = await createUser(db, 'supervisor');
    const res = await post(`/staff/${person.id}/reset`).expect(200);
    const path = linkFrom(res.text);
    await db.prisma.passwordReset.updateMany({
      where: { userId: person.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect((await setPasswordThrough(path)).status).toBe(404);
    await signIn(app, person.email, TEST_PASSWORD);
  });

  it('when a weak or mismatched password is chosen, then the form says why and the link still works', async () => {
    const person = await createUser(db, 'agent');
    const path = linkFrom((await post(`/staff/${person.id}/reset`).expect(200)).text);
    const weak = await setPasswordThrough(path, 'password1234');
    expect(weak.status).toBe(422);
    expect(weak.text).toContain('too easy to guess');
    const short = await setPasswordThrough(path, 'Xq7#pL2!');
    expect(short.status).toBe(422);
    expect(short.text).toContain('at least 12 characters');
    expect((await setPasswordThrough(path)).status).toBe(303);
  });

  it('when a new link is created, then the earlier one stops working', async () => {
    const person = await createUser(db, 'agent');
    const first = linkFrom((await post(`/staff/${person.id}/reset`).expect(200)).text);
    const second = linkFrom((await post(`/staff/${person.id}/reset`).expect(200)).text);
    expect((await setPasswordThrough(first)).status).toBe(404);
    expect((await setPasswordThrough(second)).status).toBe(303);
  });

  it('when the email is taken or fields are missing, then the form comes back with the input kept', async () => {
    const res = await post('/staff', {
      name: 'Dup Licate',
      email: admin.email,
      role: 'agent',
      specialization: '',
    }).expect(422);
    expect(res.text).toContain('already has an account');
    expect(res.text).toContain('value="Dup Licate"');
    const doctor = await post('/staff', {
      name: 'Doc Nospec',
      email: `doc.${Date.now()}@staff.test`,
      role: 'doctor',
      specialization: '',
    }).expect(422);
    expect(doctor.text).toContain('Doctors need a specialization');
    expect(doctor.text).toContain('value="Doc Nospec"');
  });
});

describe('disabling and re-enabling', () => {
  it("when an admin disables a person, then that person's open session is refused on the next request and sign-in fails", async () => {
    const person = await createUser(db, 'agent');
    const theirs = await signIn(app, person.email);
    await theirs.agent.get('/tickets').expect(200);
    await post(`/staff/${person.id}/disable`).expect(303);
    await theirs.agent.get('/tickets').expect(303).expect('location', '/login');
    const leftover = await db.pool.query(
      `SELECT 1 FROM session WHERE sess->'passport'->>'user' = $1`,
      [String(person.id)],
    );
    expect(leftover.rowCount).toBe(0);
    await expect(signIn(app, person.email)).rejects.toThrow();

    await post(`/staff/${person.id}/enable`).expect(303);
    await signIn(app, person.email);
    const history = (await session.agent.get(`/staff/${person.id}`).expect(200)).text;
    expect(history).toMatch(/active:\s*active → <strong>disabled<\/strong>/);
    expect(history).toMatch(/active:\s*disabled → <strong>active<\/strong>/);
  });

  it('when an admin tries to disable or demote themselves, then it is refused and nothing changes', async () => {
    const res = await post(`/staff/${admin.id}/disable`).expect(422);
    expect(res.text).toContain('your own account');
    const me = await db.prisma.user.findUniqueOrThrow({ where: { id: admin.id } });
    await post(`/staff/${admin.id}/role`, { role: 'agent', version: String(me.version) }).expect(
      422,
    );
    const after = await db.prisma.user.findUniqueOrThrow({ where: { id: admin.id } });
    expect([after.role, after.active, after.version]).toEqual(['admin', true, me.version]);
  });

  it('when the target is the last active admin, then disabling or demoting it is refused', async () => {
    const isolated = await createTestDatabase();
    try {
      const last = await createUser(isolated, 'admin');
      // An admin whose own account was switched off a moment ago, acting from a stale page.
      const former = await createUser(isolated, 'admin', { active: false });
      const actor = { id: former.id, role: 'admin' as const };
      await expect(setActive(isolated.prisma, actor, last.id, { active: false })).rejects.toThrow(
        'last active admin',
      );
      await expect(
        changeRole(isolated.prisma, actor, last.id, { role: 'agent', version: last.version }),
      ).rejects.toThrow('last active admin');
      const after = await isolated.prisma.user.findUniqueOrThrow({ where: { id: last.id } });
      expect([after.role, after.active]).toEqual(['admin', true]);
    } finally {
      await isolated.drop();
    }
  });

  it('when two admins disable each other at the same moment, then exactly one succeeds and an admin remains', async () => {
    const isolated = await createTestDatabase();
    try {
      const [a, b] = [await createUser(isolated, 'admin'), await createUser(isolated, 'admin')];
      const results = await Promise.allSettled([
        setActive(isolated.prisma, { id: a.id, role: 'admin' }, b.id, { active: false }),
        setActive(isolated.prisma, { id: b.id, role: 'admin' }, a.id, { active: false }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await isolated.prisma.user.count({ where: { role: 'admin', active: true } })).toBe(1);
    } finally {
      await isolated.drop();
    }
  });
});

describe('roles, list and history', () => {
  it('when the role form is stale, then the conflict page shows and the newer role is kept', async () => {
    const person = await createUser(db, 'agent');
    await post(`/staff/${person.id}/role`, {
      role: 'supervisor',
      version: String(person.version),
    }).expect(303);
    const res = await post(`/staff/${person.id}/role`, {
      role: 'admin',
      version: String(person.version),
    }).expect(409);
    expect(res.text).toContain('Someone changed');
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: person.id } })).role).toBe(
      'supervisor',
    );
  });

  it('when an agent becomes a doctor, then a specialization is required and the profile starts away', async () => {
    const person = await createUser(db, 'agent');
    await post(`/staff/${person.id}/role`, {
      role: 'doctor',
      version: String(person.version),
    }).expect(422);
    await post(`/staff/${person.id}/role`, {
      role: 'doctor',
      version: String(person.version),
      specialization: 'Dermatology',
    }).expect(303);
    const profile = await db.prisma.doctorProfile.findUniqueOrThrow({
      where: { userId: person.id },
    });
    expect([profile.specialization, profile.available]).toEqual(['Dermatology', false]);
  });

  it('when filtering, then search, role and status narrow the list; % is taken literally', async () => {
    const unique = `Zebulon${Date.now()}`;
    const person = await createUser(db, 'supervisor', { name: `${unique} Quill` });
    await createUser(db, 'agent', { name: `${unique} Ink`, active: false });
    const list = async (qs: string) => (await session.agent.get(`/staff?${qs}`).expect(200)).text;
    expect(await list(`q=${unique}`)).toContain(`${unique} Ink`);
    const supervisors = await list(`q=${unique}&role=supervisor`);
    expect(supervisors).toContain(`${unique} Quill`);
    expect(supervisors).not.toContain(`${unique} Ink`);
    const disabled = await list(`q=${unique}&status=disabled`);
    expect(disabled).toContain(`${unique} Ink`);
    expect(disabled).not.toContain(`${unique} Quill`);
    expect(await list('q=%25')).toContain('No one matches');
    expect(await list('role=bogus&status=x&page=abc')).toContain(`/staff/${person.id}`);
  });

  it('when an account is added and disabled, then every change is audited with identifiers only, never the email or the link', async () => {
    const email = `audited.${Date.now()}@staff.test`;
    const res = await post('/staff', {
      name: 'Audit Subject',
      email,
      role: 'agent',
      specialization: '',
    }).expect(200);
    const token = linkFrom(res.text).split('/').pop()!;
    const user = await db.prisma.user.findUniqueOrThrow({ where: { email } });
    await post(`/staff/${user.id}/disable`).expect(303);
    const rows = await db.prisma.auditEvent.findMany({
      where: { recordType: 'user', recordId: user.id },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => r.action)).toEqual([
      'staff_created',
      'password_reset_issued',
      'staff_disabled',
    ]);
    expect(rows.every((r) => r.actorId === admin.id)).toBe(true);
    expect(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toMatch(
      new RegExp(`${email}|${token}`),
    );
  });
});
