import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createUser } from '../support/app.js';
import { makeConsultation, makeCustomer } from '../support/fixtures.js';
import { listCustomers } from '../../src/modules/customers/queries.js';
import { listQuery } from '../../src/modules/customers/schema.js';
import { SeededRandom } from '../../src/db/seed/random.js';
import { readCustomerPage } from '../../src/modules/customers/show-queries.js';

let db: TestDatabase;
const now = new Date();
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
let fresh: { id: number },
  active: { id: number },
  inactive: { id: number },
  neverActive: { id: number };

beforeAll(async () => {
  db = await createTestDatabase();
  fresh = await makeCustomer(db, {
    firstName: 'Nora',
    lastName: 'Newby',
    createdAt: daysAgo(5),
    lastActivityAt: null,
    phone: '+234 801 234 5678',
    email: 'nora@mail.test',
  });
  active = await makeCustomer(db, {
    firstName: 'Abel',
    lastName: 'Active',
    createdAt: daysAgo(300),
    lastActivityAt: daysAgo(10),
    phone: '0803-999-1111',
  });
  inactive = await makeCustomer(db, {
    firstName: 'Ida',
    lastName: 'Idle',
    createdAt: daysAgo(300),
    lastActivityAt: daysAgo(120),
  });
  neverActive = await makeCustomer(db, {
    firstName: 'Ned',
    lastName: 'Never',
    createdAt: daysAgo(200),
    lastActivityAt: null,
  });
});
afterAll(async () => {
  await db.drop();
});

const ids = async (query: Record<string, string>) =>
  (await listCustomers(db.pool, listQuery.parse(query), 25, now)).rows.map((r) => r.id);

describe('customer list', () => {
  it('when the list is filtered by activity, then only customers of that activity are listed', async () => {
    expect(await ids({ activity: 'new' })).toEqual([fresh.id]);
    expect(await ids({ activity: 'active' })).toEqual([active.id]);
    expect((await ids({ activity: 'inactive' })).sort()).toEqual(
      [inactive.id, neverActive.id].sort(),
    );
  });
  it('when no sort is chosen, then the newest joiners come first; with "recent", the most recently active', async () => {
    // Same created_at for the last two: the higher id first.
    expect(await ids({})).toEqual([fresh.id, neverActive.id, inactive.id, active.id]);
    expect(await ids({ sort: 'recent' })).toEqual([active.id, inactive.id]);
  });
  it('when staff search, then name, email and any part of the phone number match', async () => {
    expect(await ids({ q: 'nora newby' })).toEqual([fresh.id]);
    expect(await ids({ q: 'NORA@MAIL' })).toEqual([fresh.id]);
    expect(await ids({ q: '345' })).toEqual([fresh.id]);
    expect(await ids({ q: '801-234' })).toEqual([fresh.id]);
    expect(await ids({ q: '9991111' })).toEqual([active.id]);
    expect(await ids({ q: '%' })).toEqual([]);
  });
  it('when the search is a consultation or ticket reference, then its customer is found', async () => {
    const cons = await makeConsultation(db, inactive.id);
    expect(await ids({ q: cons.reference.toLowerCase() })).toEqual([inactive.id]);
    const agent = await createUser(db, 'agent');
    await db.prisma.supportTicket.create({
      data: {
        number: 'TKT-ZZTEST01',
        customerId: active.id,
        category: 'billing',
        subject: 's',
        description: 'd',
        createdById: agent.id,
      },
    });
    expect(await ids({ q: 'TKT-ZZTEST01' })).toEqual([active.id]);
  });
  it('when there are more customers than a page holds, then the page says so and the last page does not', async () => {
    const first = await listCustomers(db.pool, listQuery.parse({}), 2, now);
    expect(first.rows).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    const last = await listCustomers(db.pool, listQuery.parse({ page: '2' }), 2, now);
    expect(last.hasMore).toBe(false);
  });
  it('when staff search by name, then the connection keeps no prepared plan for the pattern; the plain list it keeps', async () => {
    const one = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      for (let run = 0; run < 6; run++) {
        await listCustomers(one, listQuery.parse({ q: 'nora' }), 20, now);
        await listCustomers(one, listQuery.parse({}), 20, now);
      }
      const { rows } = await one.query<{ search: boolean }>(
        `SELECT statement LIKE '%search_text%' AS search FROM pg_prepared_statements WHERE statement LIKE '%FROM customers cu%'`,
      );
      expect(rows).toEqual([{ search: false }]);
    } finally {
      await one.end();
    }
  });
});

describe('search text', () => {
  // Its own database: the customers made here must not change the counts of the lists above.
  let own: TestDatabase;
  beforeAll(async () => {
    own = await createTestDatabase();
  });
  afterAll(async () => {
    await own.drop();
  });
  const idsIn = async (database: TestDatabase, query: Record<string, string>) =>
    (await listCustomers(database.pool, listQuery.parse(query), 25, now)).rows.map((r) => r.id);

  it('when a name or email is changed by any writer, then the search finds the new one and not the old', async () => {
    const moved = await makeCustomer(own, { firstName: 'Olu', lastName: 'Oldname' });
    await own.pool.query(
      `UPDATE customers SET full_name = 'Olu Ẹniọlá', email = 'Olu.Moved@Mail.test' WHERE id = $1`,
      [moved.id],
    );
    expect(await idsIn(own, { q: 'oldname' })).toEqual([]);
    expect(await idsIn(own, { q: 'Ẹniọlá' })).toEqual([moved.id]);
    expect(await idsIn(own, { q: 'OLU.MOVED@' })).toEqual([moved.id]);
    // Lowercased as the database lowercases (which letters it folds depends on its locale).
    const { rows } = await own.pool.query(
      `SELECT search_text = lower(full_name || E'\\n' || email) AS kept FROM customers WHERE id = $1`,
      [moved.id],
    );
    expect(rows).toEqual([{ kept: true }]);
  });

  interface Known {
    id: number;
    createdAt: Date;
    phoneDigits: string;
    searchText: string;
  }
  const known = async (): Promise<Known[]> =>
    (
      await own.pool.query<Known>(
        `SELECT id, created_at AS "createdAt", phone_digits AS "phoneDigits",
                search_text AS "searchText"
           FROM customers`,
      )
    ).rows;
  const newestFirst = (a: Known, b: Known) =>
    b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id;
  /** What the search must list: every customer whose digits or name and email hold the four. */
  const expected = (customers: Known[], digits: string) =>
    customers
      .filter((c) => c.phoneDigits.includes(digits) || c.searchText.includes(digits))
      .sort(newestFirst)
      .map((c) => c.id);
  const everyPage = async (q: string, pageSize: number) => {
    const listed: number[] = [];
    for (let page = 1; ; page++) {
      const { rows, hasMore } = await listCustomers(
        own.pool,
        listQuery.parse({ q, page: String(page) }),
        pageSize,
        now,
      );
      listed.push(...rows.map((r) => r.id));
      if (!hasMore) return listed;
    }
  };
  /** The windows the database keeps, against a recount from the customers themselves. */
  const windowsDrift = async () =>
    (
      await own.pool.query(
        `WITH kept AS (SELECT digits, created_at, customer_id FROM search.customer_digits),
              recount AS (SELECT w, c.created_at, c.id FROM customers c,
                                 search.digit_windows(c.phone_digits, c.search_text) w)
         (SELECT * FROM kept EXCEPT SELECT * FROM recount)
         UNION ALL (SELECT * FROM recount EXCEPT SELECT * FROM kept)`,
      )
    ).rowCount;

  it('when four digits are searched, then every customer whose phone, name or email holds them is listed newest first, page by page', async () => {
    const random = new SeededRandom(20261204);
    const digit = () => String(random.int(2));
    const joined = [daysAgo(1), daysAgo(2), daysAgo(40)];
    for (let i = 0; i < 90; i++) {
      // Zeros and ones only, so every four-digit window is shared by many customers.
      const run = (n: number) => Array.from({ length: n }, digit).join('');
      await makeCustomer(own, {
        phone: `+234 ${run(3)} ${run(3)} ${run(4)}`,
        email: random.chance(0.4) ? `pat${i}.${run(5)}@mail.test` : undefined,
        // Shared join times: ties go by id, as in the list.
        createdAt: joined[random.int(joined.length)],
      });
    }
    const customers = await known();
    for (const q of ['0101', '1100', '0000', '1111', '0110', '1001']) {
      const want = expected(customers, q);
      expect(await everyPage(q, 4)).toEqual(want);
      expect(await idsIn(own, { q })).toEqual(want.slice(0, 25));
    }
    // More matches than a page of 25, so the page is cut short of them.
    expect(expected(customers, '0101').length).toBeGreaterThan(25);
  });

  it('when a phone, name, email or join time is changed, or a customer removed, by any writer, then the windows follow', async () => {
    const a = await makeCustomer(own, { phone: '+234 801 555 4321' });
    const b = await makeCustomer(own, { phone: '+234 801 555 9876', email: 'b.7788@mail.test' });
    const c = await makeCustomer(own, { phone: '+234 801 555 1357' });
    await own.pool.query(`UPDATE customers SET phone_digits = '2348016660000' WHERE id = $1`, [
      a.id,
    ]);
    // The email alone is named: search_text changes through its own trigger.
    await own.pool.query(`UPDATE customers SET email = 'b.9911@mail.test' WHERE id = $1`, [b.id]);
    await own.pool.query(`UPDATE customers SET full_name = 'Agent 4242' WHERE id = $1`, [c.id]);
    await own.pool.query(
      `UPDATE customers SET created_at = created_at - interval '1 day' WHERE id = $1`,
      [c.id],
    );
    expect(await windowsDrift()).toBe(0);
    expect(await idsIn(own, { q: '4321' })).not.toContain(a.id);
    expect(await idsIn(own, { q: '6660' })).toContain(a.id);
    expect(await idsIn(own, { q: '7788' })).toEqual([]);
    expect(await idsIn(own, { q: '9911' })).toEqual([b.id]);
    expect(await idsIn(own, { q: '4242' })).toEqual([c.id]);

    await own.pool.query(`DELETE FROM customers WHERE id = $1`, [c.id]);
    expect(await windowsDrift()).toBe(0);
    expect(await idsIn(own, { q: '4242' })).toEqual([]);
  });
});

describe('profile aggregates and timeline', () => {
  // Its own database: the customers made here must not appear in the exact lists above.
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('when a customer has consultations, payments and other records, then the profile sums paid payments and lists every record newest first', async () => {
    const c = await makeCustomer(db);
    const agent = await createUser(db, 'agent');
    const doctor = await createUser(db, 'doctor');
    const cons = await makeConsultation(db, c.id, { createdAt: new Date('2026-01-01T10:00:00Z') });
    await db.prisma.payment.create({
      data: {
        reference: 'PAY-TL000001',
        customerId: c.id,
        consultationId: cons.id,
        amountMinor: 250000,
        status: 'paid',
        paidAt: new Date('2026-01-01T11:00:00Z'),
        createdAt: new Date('2026-01-01T11:00:00Z'),
      },
    });
    await db.prisma.payment.create({
      data: {
        reference: 'PAY-TL000002',
        customerId: c.id,
        amountMinor: 999900,
        status: 'pending',
        createdAt: new Date('2026-01-02T11:00:00Z'),
      },
    });
    const inter = await db.prisma.interaction.create({
      data: {
        customerId: c.id,
        agentId: agent.id,
        channel: 'call',
        startedAt: new Date('2026-01-03T10:00:00Z'),
      },
    });
    const ticket = await db.prisma.supportTicket.create({
      data: {
        number: 'TKT-TL000001',
        customerId: c.id,
        category: 'billing',
        subject: 'Refund',
        description: 'x',
        createdById: agent.id,
        createdAt: new Date('2026-01-04T10:00:00Z'),
      },
    });
    const esc = await db.prisma.escalation.create({
      data: {
        customerId: c.id,
        ticketId: ticket.id,
        targetType: 'doctor',
        targetUserId: doctor.id,
        raisedById: agent.id,
        reason: 'r',
        createdAt: new Date('2026-01-05T10:00:00Z'),
      },
    });
    const { stats } = await readCustomerPage(db.pool, c.id);
    expect(stats.totalPaidMinor).toBe(250000);
    expect(stats.consultationCount).toBe(1);
    const { timeline } = await readCustomerPage(db.pool, c.id, 50);
    expect(timeline.map((t) => `${t.kind}:${t.href}`)).toEqual([
      `escalation:/escalations/${esc.id}`,
      `ticket:/tickets/${ticket.id}`,
      `interaction:/interactions/${inter.id}`,
      'payment:null',
      `payment:/consultations/${cons.id}`,
      `consultation:/consultations/${cons.id}`,
    ]);
    expect((await readCustomerPage(db.pool, c.id, 2)).timeline.map((t) => t.kind)).toEqual([
      'escalation',
      'ticket',
    ]);
  });
});
