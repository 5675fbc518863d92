import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createUser } from '../support/app.js';
import { makeCustomer } from '../support/fixtures.js';
import { RECOUNT_QUERIES } from '../support/metrics-recount.js';
import { instantFromLocal, TIME_ZONES } from '../../src/lib/time.js';
import { parseRange } from '../../src/modules/metrics/schema.js';
import { loadMetrics } from '../../src/modules/metrics/service.js';

// Rollups against a full recount of the source tables (the statements the page ran before
// rollups), after seeded random changes: back-dated rows, rows on local midnights to the
// millisecond, status changes, reopened tickets and escalations, moves between days, deletes,
// multi-row statements, rolled-back transactions and a back-dated SLA target.

const ZONES = [
  'UTC',
  'Africa/Lagos',
  'America/New_York',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
];
// Around the 2025 DST changes (New York 9 March, Lord Howe 6 April), and a one-day range.
const RANGES = [
  { from: '2025-03-01', to: '2025-03-15' },
  { from: '2025-03-28', to: '2025-04-07' },
  { from: '2025-03-09', to: '2025-03-09' },
];
const WINDOW_START = Date.parse('2025-01-20T00:00:00Z');
const WINDOW_END = Date.parse('2025-04-20T00:00:00Z');
const LOCAL_MIDNIGHTS = ZONES.flatMap((zone) =>
  Array.from({ length: 90 }, (_, k) =>
    instantFromLocal(
      new Date(WINDOW_START + k * 86_400_000).toISOString().slice(0, 10) + 'T00:00',
      zone,
    ).getTime(),
  ),
);

/** mulberry32: a small seeded generator, so a failing sequence can be replayed. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  // Half the instants fall on a zone's local midnight, exactly or a millisecond either side.
  const instant = () =>
    new Date(
      next() < 0.5
        ? pick(LOCAL_MIDNIGHTS) + pick([-1, 0, 0, 1])
        : WINDOW_START + int(WINDOW_END - WINDOW_START),
    );
  const after = (start: Date) => new Date(start.getTime() + int(5 * 86_400_000));
  return { next, int, pick, instant, after };
}

type Random = ReturnType<typeof generator>;

let db: TestDatabase;
let people: { agents: number[]; resolvers: number[]; admins: number[]; doctors: number[] };
let counter = 0;

const sql = (text: string, values: unknown[] = []) => db.pool.query(text, values);
const someId = async (table: string, random: Random, where = 'true'): Promise<number | null> => {
  const { rows } = await sql(`SELECT id FROM ${table} WHERE ${where} ORDER BY id`);
  return rows.length ? Number(rows[random.int(rows.length)].id) : null;
};
const someCustomer = async (random: Random) => (await someId('customers', random))!;

// Tickets: created (back-dated anywhere in the window), some already resolved.
const newTicket = async (r: Random) => {
  const created = r.instant();
  const resolved = r.next() < 0.5;
  return sql(
    `INSERT INTO support_tickets (number, customer_id, category, priority, status, subject, description,
                                    created_by_id, created_at, updated_at, resolved_at, resolved_by_id, paused_seconds)
       VALUES ($1, $2, $3, $4, $5, 'Subject', 'Description', $6, $7, now(), $8, $9, $10)`,
    [
      `TKT-R${++counter}`,
      await someCustomer(r),
      r.pick(['billing', 'appointment', 'technical', 'medical']),
      r.pick(['low', 'medium', 'high', 'urgent']),
      resolved ? 'resolved' : r.pick(['open', 'pending', 'escalated']),
      r.pick(people.agents),
      created,
      resolved ? r.after(created) : null,
      resolved ? r.pick([...people.resolvers, null]) : null,
      r.pick([0, 0, 600, 3600 * 30]),
    ],
  );
};

// Several tickets in one statement: the trigger sees them together.
const newTickets = async (r: Random) =>
  sql(
    `INSERT INTO support_tickets (number, customer_id, category, priority, status, subject, description,
                                  created_by_id, created_at, updated_at, resolved_at, resolved_by_id)
     SELECT 'TKT-B' || $1 || '-' || k, $2, (enum_range(NULL::"TicketCategory"))[1 + k % 4],
            (enum_range(NULL::"TicketPriority"))[1 + (k * 7) % 4],
            CASE WHEN k % 3 = 0 THEN 'open' ELSE 'resolved' END::"TicketStatus", 'S', 'D', $3::int,
            $4::timestamp + k * interval '97 minutes', now(),
            CASE WHEN k % 3 <> 0 THEN $4::timestamp + k * interval '97 minutes' + k * interval '5 hours' END,
            CASE WHEN k % 3 <> 0 THEN $3::int END
       FROM generate_series(1, $5::int) k`,
    [++counter, await someCustomer(r), r.pick(people.agents), r.instant(), 5 + r.int(20)],
  );

// One random change; each returns after its statement (or transaction) has ended.
const CHANGES: ((random: Random) => Promise<unknown>)[] = [
  newTicket,
  newTicket,
  newTickets,
  // Tickets: resolved, reopened (resolved → open), status changes, new priority or category.
  async (r) => {
    const id = await someId('support_tickets', r, `status <> 'resolved'`);
    if (id)
      await sql(
        `UPDATE support_tickets SET status = 'resolved', resolved_at = created_at + $2 * interval '1 minute',
                resolved_by_id = $3 WHERE id = $1`,
        [id, r.int(20_000), r.pick([...people.resolvers, null])],
      );
  },
  async (r) => {
    const id = await someId('support_tickets', r, `status = 'resolved'`);
    if (id)
      await sql(
        `UPDATE support_tickets SET status = 'open', resolved_at = NULL, resolved_by_id = NULL,
                reopen_count = reopen_count + 1, paused_seconds = paused_seconds + $2 WHERE id = $1`,
        [id, r.int(90_000)],
      );
  },
  async (r) => {
    const id = await someId('support_tickets', r);
    if (id)
      await sql(
        `UPDATE support_tickets SET status = $2, priority = $3, category = $4 WHERE id = $1`,
        [
          id,
          r.pick(['open', 'pending', 'escalated', 'merged', 'resolved']),
          r.pick(['low', 'medium', 'high', 'urgent']),
          r.pick(['billing', 'appointment', 'technical', 'medical']),
        ],
      );
  },
  // Back-dating an existing ticket, and a multi-row statement moving several at once.
  async (r) => {
    const id = await someId('support_tickets', r);
    if (id)
      await sql(`UPDATE support_tickets SET created_at = $2 WHERE id = $1`, [id, r.instant()]);
  },
  async (r) =>
    sql(
      `UPDATE support_tickets SET resolved_at = resolved_at - $1 * interval '1 hour'
        WHERE status = 'resolved' AND id % 3 = $2`,
      [r.int(30), r.int(3)],
    ),
  async (r) => {
    const id = await someId('support_tickets', r);
    if (id) await sql(`DELETE FROM support_tickets WHERE id = $1`, [id]);
  },
  // Interactions.
  async (r) => {
    const started = r.instant();
    const status = r.pick(['active', 'pending', 'resolved']);
    const ended = status === 'resolved' ? r.after(started) : null;
    return sql(
      `INSERT INTO interactions (customer_id, agent_id, channel, status, started_at, first_response_at,
                                 ended_at, duration_seconds, updated_at)
       VALUES ($1, $2, 'chat', $3, $4, $5, $6, $7, now())`,
      [
        await someCustomer(r),
        r.pick(people.agents),
        status,
        started,
        r.next() < 0.7 ? new Date(started.getTime() + r.int(900_000)) : null,
        ended,
        ended ? Math.floor((ended.getTime() - started.getTime()) / 1000) : null,
      ],
    );
  },
  async (r) => {
    const id = await someId('interactions', r);
    if (id)
      await sql(
        `UPDATE interactions SET status = $2, agent_id = $3, started_at = started_at + $4 * interval '1 minute',
                duration_seconds = $5 WHERE id = $1`,
        [
          id,
          r.pick(['active', 'pending', 'resolved']),
          r.pick(people.agents),
          r.int(3000) - 1500,
          r.pick([null, r.int(5000)]),
        ],
      );
  },
  async (r) => {
    const id = await someId('interactions', r);
    if (id) await sql(`DELETE FROM interactions WHERE id = $1`, [id]);
  },
  // Consultations.
  async (r) => {
    const created = r.instant();
    const status = r.pick(['pending', 'scheduled', 'completed', 'cancelled']);
    const started = status === 'completed' ? r.after(created) : null;
    return sql(
      `INSERT INTO consultations (reference, customer_id, mode, payment_model, amount_minor, status,
                                  started_at, ended_at, created_at, updated_at)
       VALUES ($1, $2, 'video', 'pay_later', 500000, $3, $4, $5, $6, now())`,
      [
        `CNS-R${++counter}`,
        await someCustomer(r),
        status,
        started,
        started && r.next() < 0.9 ? new Date(started.getTime() + r.int(3_600_000)) : null,
        created,
      ],
    );
  },
  async (r) => {
    const id = await someId('consultations', r);
    if (id)
      await sql(
        `UPDATE consultations SET status = $2, created_at = CASE WHEN $3::boolean THEN $4::timestamp ELSE created_at END,
                started_at = coalesce(started_at, created_at), ended_at = coalesce(ended_at, created_at + interval '25 minutes')
          WHERE id = $1`,
        [
          id,
          r.pick(['pending', 'scheduled', 'completed', 'cancelled']),
          r.next() < 0.3,
          r.instant(),
        ],
      );
  },
  // Escalations: raised (back-dated), resolved, reopened, retargeted, deleted.
  async (r) => {
    const created = r.instant();
    const status = r.pick(['pending', 'in_progress', 'resolved', 'closed']);
    const target = r.pick(['admin', 'doctor']);
    return sql(
      `INSERT INTO escalations (customer_id, target_type, target_user_id, raised_by_id, reason, status,
                                resolved_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'Needs a decision', $5, $6, $7, now())`,
      [
        await someCustomer(r),
        target,
        r.pick(target === 'admin' ? people.admins : people.doctors),
        r.pick(people.agents),
        status,
        status === 'resolved' || status === 'closed' ? r.after(created) : null,
        created,
      ],
    );
  },
  async (r) => {
    const id = await someId('escalations', r);
    if (!id) return;
    const status = r.pick(['pending', 'in_progress', 'resolved', 'closed']);
    await sql(
      `UPDATE escalations SET status = $2::"EscalationStatus", resolved_at = CASE WHEN $2 IN ('resolved', 'closed')
              THEN created_at + $3 * interval '1 minute' END WHERE id = $1`,
      [id, status, r.int(10_000)],
    );
  },
  async (r) => {
    const id = await someId('escalations', r);
    if (id) await sql(`DELETE FROM escalations WHERE id = $1`, [id]);
  },
  // Payments: paid (back-dated), refunded, paid again later or earlier, moved to another customer.
  async (r) => {
    const status = r.pick(['paid', 'paid', 'pending', 'refunded']);
    return sql(
      `INSERT INTO payments (reference, customer_id, amount_minor, status, paid_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [
        `PAY-R${++counter}`,
        await someCustomer(r),
        r.pick([250000, 500000, 750000]),
        status,
        status === 'paid' ? r.instant() : null,
      ],
    );
  },
  async (r) => {
    const id = await someId('payments', r);
    if (id)
      await sql(
        `UPDATE payments SET status = $2::"PaymentStatus", paid_at = CASE WHEN $2 = 'paid' THEN $3::timestamp END,
                customer_id = CASE WHEN $4::boolean THEN $5::int ELSE customer_id END WHERE id = $1`,
        [id, r.pick(['paid', 'refunded']), r.instant(), r.next() < 0.3, await someCustomer(r)],
      );
  },
  async (r) => {
    const id = await someId('payments', r);
    if (id) await sql(`DELETE FROM payments WHERE id = $1`, [id]);
  },
  // Customers: joined (back-dated), activity moved, a customer without records deleted.
  async (r) => {
    const n = ++counter;
    return sql(
      `INSERT INTO customers (first_name, last_name, full_name, email, phone, phone_digits, created_at,
                              last_activity_at, updated_at)
       VALUES ('Rand', $1, 'Rand ' || $1, $2, '0803', '0803', $3, $4, now())`,
      [`N${n}`, `rand${n}@example.test`, r.instant(), r.next() < 0.7 ? r.instant() : null],
    );
  },
  async (r) => {
    const id = await someCustomer(r);
    await sql(`UPDATE customers SET last_activity_at = $2 WHERE id = $1`, [
      id,
      r.next() < 0.9 ? r.instant() : null,
    ]);
  },
  async (r) => {
    const id = await someId('customers', r, `email LIKE 'rand%'`);
    if (!id) return;
    await sql(`DELETE FROM customers WHERE id = $1`, [id]).catch((error: { code?: string }) => {
      if (error.code !== '23503') throw error; // still referenced: nothing changed
    });
  },
  // A transaction that changes everything and rolls back leaves the rollups as they were.
  async (r) => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE support_tickets SET status = 'resolved', resolved_at = $1`, [
        r.instant(),
      ]);
      await client.query(`DELETE FROM payments`);
      await client.query(`UPDATE customers SET created_at = created_at - interval '7 days'`);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  },
];

// Targets changed with an effective date in the past re-decide "SLA met" for later tickets.
const backdateSla = (r: Random) =>
  sql(
    `INSERT INTO sla_target_versions (priority, first_response_mins, resolution_mins, effective_from)
     SELECT p::"TicketPriority", 60, $1, $2 FROM unnest(enum_range(NULL::"TicketPriority")) p`,
    [r.pick([240, 1440, 2880]), new Date(WINDOW_START + r.int(20 * 86_400_000))],
  );

/** Compares every zone and range; returns how many tickets the recounts saw resolved in time. */
async function expectRollupsToMatchRecount(pool = db.pool): Promise<number> {
  let slaMet = 0;
  for (const zone of ZONES)
    for (const query of RANGES) {
      const range = parseRange(query, new Date('2025-06-01T00:00:00Z'), zone);
      const [fromRollups, recounted] = await Promise.all([
        loadMetrics(pool, range, zone),
        loadMetrics(pool, range, zone, RECOUNT_QUERIES),
      ]);
      expect({ zone, range: query, figures: fromRollups }).toEqual({
        zone,
        range: query,
        figures: recounted,
      });
      slaMet += recounted.tickets.current.slaMet + recounted.tickets.previous.slaMet;
    }
  return slaMet;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const make = (role: 'agent' | 'supervisor' | 'admin' | 'doctor') =>
    createUser(db, role).then((u) => u.id);
  const agents = [await make('agent'), await make('agent'), await make('agent')];
  people = {
    agents,
    resolvers: [...agents, await make('supervisor')],
    admins: [await make('admin')],
    doctors: [await make('doctor'), await make('doctor')],
  };
  for (const label of ['Ada', 'Bola', 'Chidi', 'Dayo']) await makeCustomer(db, { label: label });
});
afterAll(async () => {
  await db.drop();
});

describe('metrics rollups', () => {
  it('when nothing has happened yet, then every figure is zero or empty, as a recount says', async () => {
    // A database of its own: the other scenarios here fill the shared one, in whatever order.
    const empty = await createTestDatabase();
    try {
      await expectRollupsToMatchRecount(empty.pool);
    } finally {
      await empty.drop();
    }
  });

  for (const seed of [1, 2, 3]) {
    it(`when random changes (seed ${seed}) add, back-date, reopen, move and delete rows, then the rollups equal a full recount in every zone`, async () => {
      const random = generator(seed);
      for (let batch = 0; batch < 3; batch++) {
        for (let step = 0; step < 60; step++) await random.pick(CHANGES)(random);
        if (batch === 1) await backdateSla(random);
        // Not a comparison of empty sets: tickets were resolved within the ranges, some in time.
        expect(await expectRollupsToMatchRecount()).toBeGreaterThan(0);
      }
    }, 120_000);
  }

  it('when any zone a user can choose has a local midnight from 1980 to 2037, then it falls on a quarter hour of UTC (rollup buckets sum to exact local days)', async () => {
    const { rows } = await sql(
      `SELECT z, d FROM unnest($1::text[]) z,
              generate_series(timestamp '1980-01-01', timestamp '2037-12-31', interval '10 days') d
        WHERE extract(epoch FROM (d AT TIME ZONE z)) % 900 <> 0 LIMIT 5`,
      [TIME_ZONES],
    );
    expect(rows).toEqual([]);
  }, 60_000);

  it('when a ticket is reopened and resolved again later, then it counts once, on the day of its last resolution', async () => {
    const customer = await makeCustomer(db, { label: 'Reopen' });
    const agent = people.agents[0];
    const { rows } = await sql(
      `INSERT INTO support_tickets (number, customer_id, category, priority, status, subject, description,
                                    created_by_id, created_at, updated_at, resolved_at, resolved_by_id)
       VALUES ('TKT-REOPEN', $1, 'billing', 'low', 'resolved', 'S', 'D', $2, '2025-03-02 10:00', now(),
               '2025-03-03 10:00', $2) RETURNING id`,
      [customer.id, agent],
    );
    const id = rows[0].id;
    const resolvedOn = async (day: string) => {
      const range = parseRange({ from: '2025-03-01', to: '2025-03-10' }, new Date(), 'UTC');
      const m = await loadMetrics(db.pool, range, 'UTC');
      return m.days.find((d) => d.day === day)!.ticketsResolved;
    };
    const before = { third: await resolvedOn('2025-03-03'), sixth: await resolvedOn('2025-03-06') };
    await sql(`UPDATE support_tickets SET status = 'open', resolved_at = NULL WHERE id = $1`, [id]);
    await sql(
      `UPDATE support_tickets SET status = 'resolved', resolved_at = '2025-03-06 09:00' WHERE id = $1`,
      [id],
    );
    expect(await resolvedOn('2025-03-03')).toBe(before.third - 1);
    expect(await resolvedOn('2025-03-06')).toBe(before.sixth + 1);
  });
});
