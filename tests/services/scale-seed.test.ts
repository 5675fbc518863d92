import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { seedLarge, parseScale } from '../../src/db/seed/large.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await seedLarge(db.prisma, db.pool, 'small');
}, 180_000);
afterAll(async () => {
  await db.drop();
});

const one = async (sql: string) => Object.values((await db.pool.query(sql)).rows[0])[0];

describe('scale seed (--scale small)', () => {
  it('when the scale seed runs, then it adds the requested volume on top of the demo staff', async () => {
    const size = parseScale('small');
    expect(Number(await one(`SELECT count(*) FROM customers`))).toBeGreaterThanOrEqual(
      size.customers,
    );
    expect(Number(await one(`SELECT count(*) FROM interactions`))).toBeGreaterThanOrEqual(
      size.interactions * 0.99,
    );
    expect(Number(await one(`SELECT count(*) FROM support_tickets`))).toBeGreaterThanOrEqual(
      size.tickets * 0.99,
    );
    expect(Number(await one(`SELECT count(*) FROM escalations`))).toBeGreaterThanOrEqual(
      size.escalations * 0.99,
    );
    expect(Number(await one(`SELECT count(*) FROM ticket_entries`))).toBeGreaterThanOrEqual(
      size.threadEntries * 0.99,
    );
    expect(
      Number(await one(`SELECT count(*) FROM users WHERE email = 'supervisor@caredesk.test'`)),
    ).toBe(1);
    expect(() => parseScale('huge')).toThrow(/Unknown scale/);
  });

  it('when the scale seed has run, then the invariants hold', async () => {
    expect(
      Number(
        await one(
          `SELECT count(*) FROM interactions WHERE id > 100 AND status = 'resolved' AND (ended_at IS NULL OR duration_seconds <> extract(epoch FROM ended_at - started_at))`,
        ),
      ),
    ).toBe(0);
    expect(
      Number(
        await one(
          `SELECT count(*) FROM support_tickets WHERE status = 'resolved' AND (resolved_at IS NULL OR resolved_by_id IS NULL)`,
        ),
      ),
    ).toBe(0);
    expect(
      Number(await one(`SELECT count(*) FROM support_tickets WHERE number !~ '^TKT-[A-Z0-9]{8}$'`)),
    ).toBe(0);
    expect(
      Number(
        await one(
          `SELECT count(*) FROM ticket_entries e JOIN support_tickets t ON t.id = e.ticket_id
            WHERE e.created_at < t.created_at OR e.created_at > now() AT TIME ZONE 'UTC'
               OR (e.kind = 'contact') <> (e.channel IS NOT NULL AND e.direction IS NOT NULL)
               OR (e.kind = 'note' AND (e.channel IS NOT NULL OR e.direction IS NOT NULL))`,
        ),
      ),
    ).toBe(0);
    expect(
      Number(
        await one(
          `SELECT count(*) FROM escalations WHERE ticket_id IS NULL AND interaction_id IS NULL AND consultation_id IS NULL`,
        ),
      ),
    ).toBe(0);
    expect(
      Number(
        await one(
          `SELECT count(*) FROM customers WHERE full_name <> first_name || ' ' || last_name OR phone_digits !~ '^[0-9]+$'`,
        ),
      ),
    ).toBe(0);
    expect(
      Number(
        await one(
          `SELECT count(*) FROM customers c WHERE last_activity_at < (SELECT max(started_at) FROM interactions i WHERE i.customer_id = c.id)`,
        ),
      ),
    ).toBe(0);
    // Secondary indexes dropped for the load are all back.
    expect(
      Number(await one(`SELECT count(*) FROM pg_indexes WHERE tablename = 'support_tickets'`)),
    ).toBeGreaterThanOrEqual(10);
  });

  it('when the scale seed has run, then activity skews towards a minority of customers and recent days', async () => {
    const topShare = Number(
      await one(
        `SELECT sum(n) FILTER (WHERE rank <= total / 10)::float / sum(n) FROM (SELECT count(*) AS n, row_number() OVER (ORDER BY count(*) DESC) AS rank, count(*) OVER () AS total FROM interactions GROUP BY customer_id) x`,
      ),
    );
    expect(topShare).toBeGreaterThan(0.3);
    const lastMonth = Number(
      await one(
        `SELECT count(*) FILTER (WHERE created_at > now() - interval '30 days')::float / count(*) FROM support_tickets`,
      ),
    );
    expect(lastMonth).toBeGreaterThan((30 / 365) * 1.5);
  });
});
