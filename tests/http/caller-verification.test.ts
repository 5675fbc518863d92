import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeConsultation, makeCustomer, makeInteraction } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
let agentUser: { id: number; name: string; email: string };
let agent: Awaited<ReturnType<typeof signIn>>;
let supervisor: Awaited<ReturnType<typeof signIn>>;
let supervisors: { id: number; email: string }[];

const PHONE = '+2348035550142';
const BORN = new Date('1979-11-23');

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  agentUser = await createUser(db, 'agent', { name: 'Tola Desk' });
  agent = await signIn(app, agentUser.email);
  supervisors = [await createUser(db, 'supervisor'), await createUser(db, 'supervisor')];
  supervisor = await signIn(app, supervisors[0].email);
});
afterAll(async () => {
  await db.drop();
});

/** A caller with a known phone and birth date, on the line in an interaction of the agent's. */
async function call() {
  const made = await makeCustomer(db);
  const customer = await db.prisma.customer.update({
    where: { id: made.id },
    data: { phone: PHONE, phoneDigits: PHONE.slice(1), dateOfBirth: BORN },
  });
  const interaction = await makeInteraction(db, customer.id, agentUser.id);
  return { customer, interaction };
}

const verify = (id: number, body: Record<string, string>, session = agent) =>
  postForm(session, `/interactions/${id}/verify`, body);

/** Every text-like column of every table, searched for the needle. */
async function columnsHolding(needle: string): Promise<string[]> {
  const { rows: columns } = await db.pool.query<{ s: string; t: string; c: string }>(
    `SELECT table_schema AS s, table_name AS t, column_name AS c FROM information_schema.columns
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
        AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'USER-DEFINED')
        AND (table_schema, table_name) IN
            (SELECT table_schema, table_name FROM information_schema.tables
              WHERE table_type = 'BASE TABLE')`,
  );
  expect(columns.length).toBeGreaterThan(20);
  const found: string[] = [];
  for (const { s, t, c } of columns) {
    const { rows } = await db.pool.query(
      `SELECT 1 FROM "${s}"."${t}" WHERE "${c}"::text ILIKE '%' || $1 || '%' LIMIT 1`,
      [needle],
    );
    if (rows.length) found.push(`${s}.${t}.${c}`);
  }
  return found;
}

describe('caller verification on interactions', () => {
  it('when the caller gives the right date of birth and last four digits, then the interaction, timeline and profile say verified by whom, and only method, result, who and when are kept', async () => {
    const { customer, interaction } = await call();
    await verify(interaction.id, {
      method: 'dob_phone',
      dateOfBirth: '1979-11-23',
      phoneLast4: '0142',
    }).expect(303);
    const rows = await db.prisma.callerVerification.findMany({
      where: { interactionId: interaction.id },
    });
    expect(rows).toMatchObject([
      { method: 'dob_phone', result: 'passed', actorId: agentUser.id, reason: null },
    ]);
    await db.pool.query(
      `UPDATE caller_verifications SET at = now() - interval '3 minutes' WHERE interaction_id = $1`,
      [interaction.id],
    );
    const page = (await agent.agent.get(`/interactions/${interaction.id}`).expect(200)).text;
    expect(page).toMatch(
      /Identity verified <time[^>]*>3 min ago<\/time>.*?by Tola Desk \(date of birth and phone\)/s,
    );
    expect(page).toMatch(/Identity verified <time[^>]*>[^<]*ago<\/time>.* by Tola Desk/s);
    expect(page).not.toContain('Not verified: do not discuss');
    const profile = (await agent.agent.get(`/customers/${customer.id}`).expect(200)).text;
    expect(profile).toContain('Identity verified');
    expect(profile).toContain(`interaction #${interaction.id}`);
    expect(profile).toMatch(
      /identity verified<\/strong> <time[^>]*>3 min ago<\/time>.*?by Tola Desk<\/span> \(<a href="\/interactions\/\d+">date of birth and phone/s,
    );
  });

  it('when the caller has not been verified, then the interaction and profile show the warning banner', async () => {
    const { customer, interaction } = await call();
    const page = (await agent.agent.get(`/interactions/${interaction.id}`).expect(200)).text;
    expect(page).toContain('Not verified: do not discuss consultations or payments');
    const profile = (await agent.agent.get(`/customers/${customer.id}`).expect(200)).text;
    expect(profile).toContain('Not verified: do not discuss consultations or payments');
  });

  it('when answers are typed, then none of them is stored in any text column of the database', async () => {
    const { interaction } = await call();
    const wrongEmail = 'Wrong.Answer.Zq7@Example.TEST';
    const wrongDob = '1961-07-29';
    const wrongNumber = '+234 802 777 6611';
    await verify(interaction.id, { method: 'email', email: wrongEmail }).expect(303);
    await verify(interaction.id, {
      method: 'dob_phone',
      dateOfBirth: wrongDob,
      phoneLast4: '9137',
    }).expect(303);
    await verify(interaction.id, {
      method: 'callback',
      numberCalled: wrongNumber,
      reached: 'on',
    }).expect(303);
    const failures = await db.prisma.callerVerification.count({
      where: { interactionId: interaction.id, result: 'failed' },
    });
    expect(failures).toBe(3);
    for (const needle of ['Zq7@Example', wrongDob, '7776611', '777 6611', '9137'])
      expect(await columnsHolding(needle), needle).toEqual([]);
  });

  it('when a known-caller callback reached the number on record, then the caller is verified', async () => {
    const { interaction } = await call();
    await verify(interaction.id, {
      method: 'callback',
      numberCalled: '0803 555 0142',
      reached: 'on',
    }).expect(303);
    const row = await db.prisma.callerVerification.findFirstOrThrow({
      where: { interactionId: interaction.id },
    });
    expect(row).toMatchObject({ method: 'callback', result: 'passed' });
  });

  it('when the answers are incomplete, then the form comes back 422 with them kept and nothing is recorded', async () => {
    const { interaction } = await call();
    const res = await verify(interaction.id, {
      method: 'dob_phone',
      dateOfBirth: '1979-11-23',
      phoneLast4: '14',
    }).expect(422);
    expect(res.text).toContain('value="1979-11-23"');
    expect(res.text).toContain('last four digits');
    expect(
      await db.prisma.callerVerification.count({ where: { interactionId: interaction.id } }),
    ).toBe(0);
  });

  it('when three attempts fail, then verification is locked, a fourth is refused and the supervisors are notified', async () => {
    const { interaction } = await call();
    for (const email of ['a.one@example.test', 'b.two@example.test'])
      await verify(interaction.id, { method: 'email', email }).expect(303);
    const before = { kind: 'verification_locked', recordId: interaction.id };
    expect(await db.prisma.notification.count({ where: before })).toBe(0);
    await verify(interaction.id, { method: 'email', email: 'c.three@example.test' }).expect(303);
    const told = await db.prisma.notification.findMany({
      where: before,
      select: { userId: true, actorId: true, recordType: true },
      orderBy: { userId: 'asc' },
    });
    expect(told).toEqual(
      supervisors.map((s) => ({ userId: s.id, actorId: agentUser.id, recordType: 'interaction' })),
    );
    const right = await db.prisma.customer.findFirstOrThrow({
      where: { interactions: { some: { id: interaction.id } } },
    });
    await verify(interaction.id, { method: 'email', email: right.email }).expect(422);
    const rows = await db.prisma.callerVerification.findMany({
      where: { interactionId: interaction.id },
    });
    expect(rows.map((r) => r.result)).toEqual(['failed', 'failed', 'failed']);
    const page = (await agent.agent.get(`/interactions/${interaction.id}`).expect(200)).text;
    expect(page).toContain('Verification is locked after 3 failed attempts');
    const notices = (await supervisor.agent.get('/notifications').expect(200)).text;
    expect(notices).toContain('Caller verification on');
    expect(notices).toContain(`/interactions/${interaction.id}`);
  });

  it('when a supervisor overrides without a reason, then it is refused with the form kept and nothing is recorded', async () => {
    const { interaction } = await call();
    const res = await postForm(supervisor, `/interactions/${interaction.id}/verify/override`, {
      reason: '  ',
    }).expect(422);
    expect(res.text).toContain('Give the reason for the override');
    const short = await postForm(supervisor, `/interactions/${interaction.id}/verify/override`, {
      reason: 'urgent',
    }).expect(422);
    expect(short.text).toContain('>urgent</textarea>');
    expect(
      await db.prisma.callerVerification.count({ where: { interactionId: interaction.id } }),
    ).toBe(0);
    const audit = { action: 'verification_override', recordId: interaction.id };
    expect(await db.prisma.auditEvent.count({ where: audit })).toBe(0);
  });

  it('when an agent tries to override, then it is refused', async () => {
    const { interaction } = await call();
    await postForm(agent, `/interactions/${interaction.id}/verify/override`, {
      reason: 'I am sure it is them, honestly',
    }).expect(403);
    expect(
      await db.prisma.callerVerification.count({ where: { interactionId: interaction.id } }),
    ).toBe(0);
  });
});

describe('actions for the caller from an interaction', () => {
  it('when the caller is not verified, then booking, cancelling, rescheduling and contact changes from the interaction are refused and nothing changes', async () => {
    const { customer, interaction } = await call();
    const doctor = await createUser(db, 'doctor');
    const pending = await makeConsultation(db, customer.id, { doctorId: doctor.id });
    const from = { interactionId: String(interaction.id) };

    const booked = await postForm(agent, '/consultations', {
      ...from,
      customerId: String(customer.id),
      mode: 'video',
      paymentModel: 'pay_later',
      amount: '5000',
    }).expect(403);
    expect(booked.text).toContain(`identity in interaction #${interaction.id} first`);
    expect(booked.text).toMatch(/name="amount"[^>]*value="5000"/);
    expect(await db.prisma.consultation.count({ where: { customerId: customer.id } })).toBe(1);

    const cancel = await postForm(agent, `/consultations/${pending.id}/status`, {
      ...from,
      version: String(pending.version),
      to: 'cancelled',
      cancelReason: 'Caller asked to cancel',
    }).expect(403);
    expect(cancel.text).toContain(`identity in interaction #${interaction.id} first`);
    expect(cancel.text).toContain('value="Caller asked to cancel"');
    await postForm(agent, `/consultations/${pending.id}/status`, {
      ...from,
      version: String(pending.version),
      to: 'scheduled',
      scheduledFor: '2030-01-15T10:00',
    }).expect(403);
    const still = await db.prisma.consultation.findUniqueOrThrow({ where: { id: pending.id } });
    expect([still.status, still.version]).toEqual(['pending', pending.version]);

    const contact = await postForm(agent, `/customers/${customer.id}/contact`, {
      ...from,
      phone: '0803 555 0199',
      email: customer.email,
      address: '',
      version: String(customer.version),
    }).expect(403);
    expect(contact.text).toContain('value="0803 555 0199"');
    const after = await db.prisma.customer.findUniqueOrThrow({ where: { id: customer.id } });
    expect(after.phone).toBe(PHONE);
  });

  it('when the caller passed verification, then the same actions from the interaction go ahead', async () => {
    const { customer, interaction } = await call();
    await verify(interaction.id, {
      method: 'email',
      email: ` ${customer.email.toUpperCase()} `,
    }).expect(303);
    const from = { interactionId: String(interaction.id) };
    await postForm(agent, '/consultations', {
      ...from,
      customerId: String(customer.id),
      mode: 'video',
      paymentModel: 'pay_later',
      amount: '5000',
    }).expect(303);
    const booked = await db.prisma.consultation.findFirstOrThrow({
      where: { customerId: customer.id },
    });
    await postForm(agent, `/consultations/${booked.id}/status`, {
      ...from,
      version: String(booked.version),
      to: 'cancelled',
      cancelReason: 'Caller asked to cancel',
    }).expect(303);
    await postForm(agent, `/customers/${customer.id}/contact`, {
      ...from,
      phone: '0803 555 0199',
      email: customer.email,
      address: '',
      version: String(customer.version),
    }).expect(303);
    expect((await db.prisma.customer.findUniqueOrThrow({ where: { id: customer.id } })).phone).toBe(
      '+2348035550199',
    );
  });

  it('when a supervisor overrides with a reason, then the refusal is lifted and the override is audited', async () => {
    const { customer, interaction } = await call();
    const reason = 'Caller is deaf; relay operator confirmed identity';
    await postForm(supervisor, `/interactions/${interaction.id}/verify/override`, {
      reason,
    }).expect(303);
    const audit = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'verification_override', recordId: interaction.id },
    });
    expect(audit).toMatchObject({
      actorId: supervisors[0].id,
      customerId: customer.id,
      recordType: 'interaction',
      reason,
    });
    await postForm(agent, `/customers/${customer.id}/contact`, {
      interactionId: String(interaction.id),
      phone: '0803 555 0177',
      email: customer.email,
      address: '',
      version: String(customer.version),
    }).expect(303);
    const page = (await agent.agent.get(`/interactions/${interaction.id}`).expect(200)).text;
    expect(page).toContain('supervisor override');
    expect(page).toContain(reason);
    const profile = (await agent.agent.get(`/customers/${customer.id}`).expect(200)).text;
    expect(profile).toMatch(/identity check overridden<\/strong> <time/);
    expect(profile).not.toContain('identity verified</strong>');
  });

  it('when the interaction is with another customer, then the action is refused', async () => {
    const { interaction } = await call();
    await verify(interaction.id, {
      method: 'dob_phone',
      dateOfBirth: '1979-11-23',
      phoneLast4: '0142',
    }).expect(303);
    const other = await makeCustomer(db);
    await postForm(agent, `/customers/${other.id}/contact`, {
      interactionId: String(interaction.id),
      phone: '0803 555 0166',
      email: other.email,
      address: '',
      version: String(other.version),
    }).expect(422);
    const after = await db.prisma.customer.findUniqueOrThrow({ where: { id: other.id } });
    expect(after.phone).toBe(other.phone);
  });
});

describe('verification metrics', () => {
  it('when interactions were verified or failed, then metrics show the share verified and the failed attempts', async () => {
    const before = (await supervisor.agent.get('/metrics').expect(200)).text;
    const figure = (html: string, label: string) => {
      const m = new RegExp(`<dt>${label}</dt><dd>([^<]*)`).exec(html);
      return m?.[1].trim();
    };
    const failedBefore = Number(figure(before, 'Failed attempts'));
    const { interaction } = await call();
    await verify(interaction.id, { method: 'email', email: 'nobody.here@example.test' }).expect(
      303,
    );
    const { count } = await db.pool
      .query(`SELECT count(*)::int AS count FROM interactions`)
      .then((r) => r.rows[0]);
    const verified = await db.pool
      .query(
        `SELECT count(DISTINCT interaction_id)::int AS n FROM caller_verifications
          WHERE result = 'passed' AND method <> 'override'`,
      )
      .then((r) => r.rows[0].n);
    const after = (await supervisor.agent.get('/metrics').expect(200)).text;
    expect(Number(figure(after, 'Failed attempts'))).toBe(failedBefore + 1);
    expect(after).toContain(`(${verified} of ${count})`);
    expect(figure(after, 'Interactions verified')).toBe(`${Math.round((verified / count) * 100)}%`);
  });
});
