import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, signIn, type SignedIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeTicket } from '../support/fixtures.js';

// The staff and saved-reply lists are cached per instance. Changes here are made straight in the
// database, as another instance (or an operator) would make them, so only the counter the session
// read brings along can tell this instance that its copies are out of date.

let db: TestDatabase;
let app: Express;
let supervisor: SignedIn;
let ticketPath: string;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const lead = await createUser(db, 'supervisor', { name: 'Sade Lead' });
  supervisor = await signIn(app, lead.email);
  const customer = await makeCustomer(db);
  ticketPath = `/tickets/${(await makeTicket(db, customer.id, lead.id, null)).id}`;
});
afterAll(async () => {
  await db.drop();
});

const assigneeChoices = async () => {
  const page = await supervisor.agent.get(ticketPath).expect(200);
  const select = /<select id="assigneeId"[\s\S]*?<\/select>/.exec(page.text)?.[0] ?? '';
  return select;
};

describe('cached staff and reply lists', () => {
  it('when a colleague is renamed, disabled or added elsewhere, then the next page shows it', async () => {
    const colleague = await createUser(db, 'agent', { name: 'Tunde Before' });
    expect(await assigneeChoices()).toContain('Tunde Before');
    expect(await assigneeChoices()).toContain('Tunde Before');

    await db.pool.query(`UPDATE users SET name = 'Tunde After' WHERE id = $1`, [colleague.id]);
    const renamed = await assigneeChoices();
    expect(renamed).toContain('Tunde After');
    expect(renamed).not.toContain('Tunde Before');

    await db.pool.query(`UPDATE users SET active = false WHERE id = $1`, [colleague.id]);
    expect(await assigneeChoices()).not.toContain('Tunde After');

    await createUser(db, 'agent', { name: 'Ngozi New' });
    expect(await assigneeChoices()).toContain('Ngozi New');
  });

  it('when a doctor is renamed or disabled elsewhere, then the consultation list filter shows it', async () => {
    const doctor = await createUser(db, 'doctor', { name: 'Dr Before Cache' });
    const doctorChoices = async () => {
      const page = await supervisor.agent.get('/consultations').expect(200);
      return /<select id="f-doctor"[\s\S]*?<\/select>/.exec(page.text)?.[0] ?? '';
    };
    expect(await doctorChoices()).toContain('Dr Before Cache');
    expect(await doctorChoices()).toContain('Dr Before Cache');

    await db.pool.query(`UPDATE users SET name = 'Dr After Cache' WHERE id = $1`, [doctor.id]);
    expect(await doctorChoices()).toContain('Dr After Cache');

    await db.pool.query(`UPDATE users SET active = false WHERE id = $1`, [doctor.id]);
    expect(await doctorChoices()).not.toContain('Dr After Cache');
  });

  it('when a saved reply is added or retitled elsewhere, then the next ticket page offers it', async () => {
    const before = await supervisor.agent.get(ticketPath).expect(200);
    expect(before.text).not.toContain('Refund timeline');
    const { rows } = await db.pool.query<{ id: number }>(
      `INSERT INTO canned_replies (title, body, shortcut, category, created_by_id, updated_at)
       SELECT 'Refund timeline', 'Refunds take 5 days.', 'refund5', 'billing', id, now()
         FROM users WHERE name = 'Sade Lead' RETURNING id`,
    );
    expect((await supervisor.agent.get(ticketPath)).text).toContain('Refund timeline');

    await db.pool.query(`UPDATE canned_replies SET title = 'Refund days' WHERE id = $1`, [
      rows[0].id,
    ]);
    const retitled = await supervisor.agent.get(ticketPath);
    expect(retitled.text).toContain('Refund days');
    expect(retitled.text).not.toContain('Refund timeline');
  });
});
