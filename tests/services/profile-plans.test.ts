import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readCustomerPage } from '../../src/modules/customers/show-queries.js';
import { createUser } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

// The profile is one prepared statement, and after five calls PostgreSQL keeps a generic plan:
// one made for "a customer", who has a record or two of each kind. A customer with thousands must
// not be read in full to show fifty of them, count what is open or find the open call.

const LIGHT = 4_000;
const HEAVY = 3_000;

let db: TestDatabase;
let heavyId: number;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Rows a node looked at: those it passed on and those its filter threw away, over every loop. */
const rowsLookedAt = (n: PlanNode) =>
  (n['Actual Rows'] +
    (n['Rows Removed by Filter'] ?? 0) +
    (n['Rows Removed by Index Recheck'] ?? 0)) *
  n['Actual Loops'];

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

beforeAll(async () => {
  db = await createTestDatabase();
  const agent = await createUser(db, 'agent');
  await db.pool.query(
    `INSERT INTO customers (first_name, last_name, full_name, email, phone, phone_digits, updated_at)
     SELECT 'Ada', 'Light' || n, 'Ada Light' || n, 'ada' || n || '@plans.example',
            '+23480' || lpad(n::text, 8, '0'), '23480' || lpad(n::text, 8, '0'), now()
       FROM generate_series(1, ${LIGHT + 1}) n`,
  );
  heavyId = (await db.pool.query(`SELECT max(id) AS id FROM customers`)).rows[0].id;
  // One interaction and one resolved ticket for every customer; thousands more for the heavy one.
  const owners = `SELECT id AS customer_id, 1 AS n FROM customers
                  UNION ALL SELECT ${heavyId}, n FROM generate_series(2, ${HEAVY}) n`;
  await db.pool.query(
    `INSERT INTO interactions (customer_id, agent_id, channel, status, subject, started_at, updated_at)
     SELECT customer_id, $1, 'chat', 'resolved', 'Old chat', now() - n * interval '1 hour', now()
       FROM (${owners}) o`,
    [agent.id],
  );
  await db.pool.query(
    `INSERT INTO support_tickets (number, customer_id, category, priority, status, subject,
                                  description, created_by_id, created_at, updated_at, resolved_at)
     SELECT 'TKT-P' || lpad(row_number() OVER ()::text, 7, '0'), customer_id, 'billing', 'low',
            'resolved', 'Old', 'Done', $1, now() - n * interval '1 hour', now(), now()
       FROM (${owners}) o`,
    [agent.id],
  );
  await db.pool.query(
    `UPDATE support_tickets SET status = 'open', resolved_at = NULL
      WHERE id IN (SELECT id FROM support_tickets WHERE customer_id = $1 ORDER BY id LIMIT 2)`,
    [heavyId],
  );
  await db.pool.query(
    `UPDATE interactions SET status = 'active'
      WHERE id = (SELECT id FROM interactions WHERE customer_id = $1 ORDER BY id DESC LIMIT 1)`,
    [heavyId],
  );
  await db.pool.query('VACUUM ANALYZE customers, interactions, support_tickets');
});

afterAll(async () => {
  await db.drop();
});

describe('the profile of a customer with a long history', () => {
  it('when the generic plan serves a customer with thousands of records, then it reads about a page of them', async () => {
    const sent = vi.spyOn(db.pool, 'query');
    const page = await readCustomerPage(db.pool, heavyId);
    const { text } = sent.mock.calls[0][0] as unknown as pg.QueryConfig;
    sent.mockRestore();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE profile(int) AS ${text}`);
      const { rows } = await client.query(
        `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE profile(${heavyId})`,
      );
      const plan = (rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan;
      const readOfHistory = nodesOf(plan)
        .filter((n) => ['interactions', 'support_tickets'].includes(n['Relation Name'] ?? ''))
        .map((n) => `${n['Node Type']} on ${n['Relation Name']}: ${rowsLookedAt(n)}`);
      const rowsRead = readOfHistory.map((line) => Number(line.split(': ')[1]));
      expect(Math.max(...rowsRead), readOfHistory.join('\n')).toBeLessThanOrEqual(60);
    } finally {
      await client.end();
    }
    expect(page.stats.openTickets).toBe(2);
    expect(page.callVerification?.interactionId).toBeGreaterThan(0);
    expect(page.timeline).toHaveLength(50);
    const times = page.timeline.map((item) => item.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(page.timeline.filter((item) => item.kind === 'interaction')).toHaveLength(25);
  });
});
