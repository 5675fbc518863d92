import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConsultations } from '../../src/modules/consultations/queries.js';
import { listQuery as consultationQuery } from '../../src/modules/consultations/schema.js';
import { listTickets } from '../../src/modules/tickets/queries.js';
import { createUser } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { actorFrom, makeCustomer } from '../support/fixtures.js';

// The busiest reads are named statements so PostgreSQL can plan them once per connection. It only
// does so when its plan for any values costs no more than the plans it made for the values seen:
// enough rows that a bound LIMIT's guess (a tenth of them) is dearer than the real page, and the
// statement is planned again on every call. pg_prepared_statements counts which plans were used.

let db: TestDatabase;
let one: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  one = new pg.Pool({ connectionString: db.url, max: 1 });
  const agent = await createUser(db, 'agent');
  const customerId = (await makeCustomer(db)).id;
  await db.pool.query(
    `INSERT INTO support_tickets (number, customer_id, category, priority, status, subject,
                                  description, created_by_id, created_at, updated_at)
     SELECT 'TKT-G' || lpad(n::text, 7, '0'), $1, 'billing', 'high', 'open', 'Refund', 'Paid twice',
            $2, now() - n * interval '1 minute', now()
       FROM generate_series(1, 3000) n`,
    [customerId, agent.id],
  );
  await db.pool.query(
    `INSERT INTO consultations (reference, customer_id, mode, payment_model, payment_status,
                                amount_minor, status, created_at, updated_at)
     SELECT 'CNS-G' || lpad(n::text, 7, '0'), $1, 'video', 'pay_later', 'unpaid', 500000, 'pending',
            now() - n * interval '1 minute', now()
       FROM generate_series(1, 3000) n`,
    [customerId],
  );
  await db.pool.query('ANALYZE support_tickets; ANALYZE consultations');
});

afterAll(async () => {
  await one.end();
  await db.drop();
});

/** Runs `read` eight times on one connection; the plans its statement (matched by `marker`) used. */
async function plansOf(read: () => Promise<unknown>, marker: string) {
  for (let run = 0; run < 8; run++) await read();
  const { rows } = await one.query<{ generic: number; custom: number }>(
    `SELECT generic_plans::int AS generic, custom_plans::int AS custom
       FROM pg_prepared_statements WHERE statement LIKE $1`,
    [`%${marker}%`],
  );
  return rows;
}

describe('statements the desk runs on every page view', () => {
  it('when the ticket list is read again and again, then PostgreSQL stops planning it', async () => {
    const supervisor = actorFrom(await createUser(db, 'supervisor'));
    const query = { view: 'all', status: 'open', priority: 'high' } as const;
    const read = () => listTickets(one, supervisor, query, { page: 1 });
    const [plans] = await plansOf(read, 'picked.position');
    expect(plans.generic).toBeGreaterThan(0);
    expect(plans.custom).toBeLessThanOrEqual(5);
  });

  it('when the second page of the list is read again and again, then it too keeps one plan', async () => {
    const supervisor = actorFrom(await createUser(db, 'supervisor'));
    const query = { view: 'all', status: 'open', priority: 'high' } as const;
    const read = () => listTickets(one, supervisor, query, { page: 2 });
    const plans = await plansOf(read, 'OFFSET 25');
    expect(plans).toHaveLength(1);
    expect(plans[0].generic).toBeGreaterThan(0);
  });

  it('when the consultation list is read again and again, then PostgreSQL stops planning it', async () => {
    const agent = actorFrom(await createUser(db, 'agent'));
    const read = () => listConsultations(one, agent, consultationQuery.parse({}), 25);
    const [plans] = await plansOf(read, 'ORDER BY c.created_at DESC, c.id DESC');
    expect(plans.generic).toBeGreaterThan(0);
  });
});
