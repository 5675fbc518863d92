import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { RECOUNT_QUERIES } from '../support/metrics-recount.js';
import { seedLarge } from '../../src/db/seed/large.js';
import { parseRange } from '../../src/modules/metrics/schema.js';
import { loadMetrics } from '../../src/modules/metrics/service.js';

// The scale seed loads in statements of 100,000 rows (one payment statement touches thousands of
// customers at once) and then moves every customer's last activity: the rollups follow all of it.
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await seedLarge(db.prisma, db.pool, 'small');
}, 180_000);
afterAll(async () => {
  await db.drop();
});

describe('metrics rollups after the scale seed', () => {
  for (const [zone, days] of [
    ['Africa/Lagos', 30],
    ['Asia/Kathmandu', 7],
    ['America/New_York', 90],
  ] as const)
    it(`when the seed has loaded, then the last ${days} days in ${zone} equal a full recount`, async () => {
      const today = new Date();
      const from = new Date(today.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
      const range = parseRange({ from, to: today.toISOString().slice(0, 10) }, today, zone);
      const [fromRollups, recounted] = await Promise.all([
        loadMetrics(db.pool, range, zone),
        loadMetrics(db.pool, range, zone, RECOUNT_QUERIES),
      ]);
      expect(recounted.tickets.current.created).toBeGreaterThan(0);
      expect(recounted.customers.current.payers).toBeGreaterThan(0);
      expect(fromRollups).toEqual(recounted);
    });
});
