import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/db/seed/random.js';
import { sqlParams } from '../../src/db/sql-params.js';
import { SLA_TARGET_IN_FORCE, slaStates } from '../../src/modules/tickets/queries.js';
import { computeSla, DUE_SOON_SECONDS } from '../../src/modules/tickets/sla.js';
import { createUser } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer } from '../support/fixtures.js';

// The SLA filters and the SLA watch decide in SQL what the ticket page computes in sla.ts. Both
// must agree on every ticket, and most of all at the edges: a second before, at and after each
// deadline, with and without pauses, closed or current.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const PRIORITIES = ['urgent', 'high', 'medium', 'low'] as const;
const STATUSES = ['open', 'pending', 'escalated', 'resolved'] as const;
// Offsets around a deadline: exactly on it, a second either side, and a due-soon window's edges.
const EDGES = [0, 1, -1, DUE_SOON_SECONDS, DUE_SOON_SECONDS + 1, DUE_SOON_SECONDS - 1, 7_200];

interface Row {
  id: number;
  status: (typeof STATUSES)[number];
  created_at: Date;
  first_response_at: Date | null;
  resolved_at: Date | null;
  pending_since: Date | null;
  paused_seconds: number;
  first_response_mins: number;
  resolution_mins: number;
  breached: boolean;
  due_soon: boolean;
}

describe('SLA states in SQL', () => {
  it('when tickets sit on either side of every deadline, then the SQL states equal computeSla', async () => {
    const agent = await createUser(db, 'agent');
    const customer = await makeCustomer(db);
    const { rows: targets } = await db.pool.query<{ priority: string; fr: number; res: number }>(
      `SELECT DISTINCT ON (priority) priority, first_response_mins AS fr, resolution_mins AS res
         FROM sla_target_versions ORDER BY priority, effective_from DESC`,
    );
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const at = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000);
    // Seeded, so a failure names a ticket that the next run has again.
    const random = new SeededRandom(20261203);
    for (let n = 0; n < 240; n++) {
      const priority = random.pick(PRIORITIES);
      const target = targets.find((t) => t.priority === priority)!;
      const status = random.pick(STATUSES);
      const paused = random.pick([0, 0, 600, 5_400]);
      const pendingFor = status === 'pending' ? random.pick([60, 3_600, 90_000]) : 0;
      // Put one of the two deadlines right at an edge, counting the pauses it must skip.
      const onResolution = random.int(2) === 1;
      const edge = random.pick(EDGES) - random.pick(EDGES);
      const age = onResolution
        ? target.res * 60 + paused + pendingFor + edge
        : target.fr * 60 + edge;
      const responded = random.int(3) === 0;
      await db.pool.query(
        `INSERT INTO support_tickets (number, customer_id, category, priority, status, subject,
                                      description, created_by_id, assignee_id, created_at,
                                      updated_at, first_response_at, pending_since, paused_seconds,
                                      resolved_at)
         VALUES ('TKT-S' || lpad($1::text, 7, '0'), $2, 'billing', $3, $4, 'Late', 'Waiting', $5,
                 $5, $6, now(), $7, $8, $9, $10)`,
        [
          n,
          customer.id,
          priority,
          status,
          agent.id,
          at(Math.max(0, age)),
          responded ? at(Math.max(0, age) - 60) : null,
          status === 'pending' ? at(pendingFor) : null,
          paused,
          status === 'resolved' ? at(30) : null,
        ],
      );
    }
    const { values, bind } = sqlParams();
    const states = slaStates(bind, now);
    const { rows } = await db.pool.query<Row>(
      `SELECT t.id, t.status, t.created_at, t.first_response_at, t.resolved_at, t.pending_since,
              t.paused_seconds, s.first_response_mins, s.resolution_mins,
              (${states.open} AND ${states.breached}) AS breached,
              (${states.open} AND ${states.dueSoon}) AS due_soon
         FROM support_tickets t ${SLA_TARGET_IN_FORCE}
        WHERE t.customer_id = ${bind(customer.id)} ORDER BY t.id`,
      values,
    );
    const fromSql = rows.map((r) => [r.id, r.breached, r.due_soon]);
    const fromSla = rows.map((r) => {
      const ticket = {
        status: r.status,
        createdAt: r.created_at,
        firstResponseAt: r.first_response_at,
        resolvedAt: r.resolved_at,
        pendingSince: r.pending_since,
        pausedSeconds: r.paused_seconds,
      };
      const target = {
        firstResponseMins: r.first_response_mins,
        resolutionMins: r.resolution_mins,
      };
      const sla = computeSla(ticket, target, now);
      return [r.id, sla.breached, sla.dueSoon];
    });
    expect(fromSql).toEqual(fromSla);
    // The edges were met: each state occurs, so the comparison covered all three.
    expect(new Set(fromSla.map(([, breached, soon]) => `${breached}/${soon}`)).size).toBe(3);
  });
});
