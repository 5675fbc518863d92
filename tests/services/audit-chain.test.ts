import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/audit.js';
import {
  verifyChain as verifyAll,
  type Anchor,
  type VerifyTuning,
} from '../../src/modules/audit/chain.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;

beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

async function writeTrail(count: number): Promise<string[]> {
  for (let i = 0; i < count; i += 1) {
    const customerId = i + 1;
    await recordAudit(db.prisma, {
      action: 'medical_view',
      customerId,
      recordType: 'customer',
      recordId: customerId,
      reason: 'assigned',
    });
  }
  const { rows } = await db.pool.query<{ id: string }>(
    'SELECT id::text AS id FROM audit_events ORDER BY seq',
  );
  return rows.map((r) => r.id);
}

/** What a database superuser can do: switch off the protecting trigger and edit underneath. */
async function asSuperuser(sql: string, ...params: unknown[]): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await client.query(sql, params);
    await client.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

// Read in one pass, and split into ranges read side by side (as large chains are), tiny batches.
const READS: [string, VerifyTuning][] = [
  ['one pass', { segments: 1 }],
  ['ranges read side by side', { segments: 3, segmentMinRows: 1, batchSize: 2 }],
];

describe.each(READS)('the tamper-evident audit chain (%s)', (_name, tuning) => {
  const verifyChain = (pool: pg.Pool, anchor?: Anchor) => verifyAll(pool, anchor, tuning);

  it('when rows are written normally, then the chain verifies and the head is the last row', async () => {
    const ids = await writeTrail(5);
    await recordAudit(db.prisma, {
      action: 'medical_reveal',
      reason: 'héllo; 3:x;N; ünïcødé 🙂 "quoted"\n',
      ip: '::1',
    });
    ids.push(
      (await db.pool.query<{ id: string }>('SELECT max(id)::text AS id FROM audit_events')).rows[0]
        .id,
    );
    const verdict = await verifyChain(db.pool);
    expect(verdict.ok).toBe(true);
    expect(verdict.rows).toBe(6);
    const last = await db.pool.query(
      'SELECT seq::text AS seq, hash FROM audit_events WHERE id = $1',
      [ids[5]],
    );
    expect(verdict.head).toEqual(last.rows[0]);
  });

  it('when a superuser changes a row with the trigger disabled, then the verifier names that row', async () => {
    const ids = await writeTrail(6);
    await asSuperuser(`UPDATE audit_events SET reason = 'nothing to see' WHERE id = $1`, ids[3]);
    const verdict = await verifyChain(db.pool);
    expect(verdict.ok).toBe(false);
    expect(verdict.failure).toMatchObject({ id: ids[3], problem: 'altered' });
    expect(verdict.failure!.message).toContain(`id ${ids[3]}`);
  });

  it('when a superuser deletes a row, then the verifier names the row after the gap', async () => {
    const ids = await writeTrail(6);
    await asSuperuser('DELETE FROM audit_events WHERE id = $1', ids[2]);
    const verdict = await verifyChain(db.pool);
    expect(verdict.failure).toMatchObject({ id: ids[3], problem: 'missing-before' });
  });

  it('when a superuser deletes the last row of a read range, then the verifier names the next row', async () => {
    const ids = await writeTrail(6);
    await asSuperuser('DELETE FROM audit_events WHERE id = $1', ids[1]);
    const verdict = await verifyChain(db.pool);
    expect(verdict.failure).toMatchObject({ id: ids[2], problem: 'missing-before' });
  });

  it('when a superuser changes the first row of a read range, then the verifier names it', async () => {
    const ids = await writeTrail(6);
    await asSuperuser(`UPDATE audit_events SET ip = '10.9.9.9' WHERE id = $1`, ids[4]);
    const verdict = await verifyChain(db.pool);
    expect(verdict.failure).toMatchObject({ id: ids[4], problem: 'altered' });
  });

  it('when a superuser edits only the link of a row, then the verifier names it', async () => {
    const ids = await writeTrail(6);
    await asSuperuser(`UPDATE audit_events SET prev_hash = repeat('1', 64) WHERE id = $1`, ids[2]);
    const verdict = await verifyChain(db.pool);
    expect(verdict.failure).toMatchObject({ id: ids[2], problem: 'relinked' });
  });

  it('when a superuser deletes the newest row, then the head no longer matches', async () => {
    const ids = await writeTrail(4);
    await asSuperuser('DELETE FROM audit_events WHERE id = $1', ids[3]);
    const verdict = await verifyChain(db.pool);
    expect(verdict.failure).toMatchObject({ id: null, problem: 'head-mismatch' });
  });

  it('when a superuser inserts a row around the chain trigger, then the verifier names the inserted row', async () => {
    await writeTrail(3);
    await asSuperuser(
      `INSERT INTO audit_events (action, reason) VALUES ('medical_view', 'forged')`,
    );
    const forged = await db.pool.query<{ id: string }>(
      `SELECT id::text AS id FROM audit_events WHERE reason = 'forged'`,
    );
    const verdict = await verifyChain(db.pool);
    expect(verdict.failure).toMatchObject({ id: forged.rows[0].id, problem: 'unchained' });
  });

  it("when an inserted row copies a neighbour's links, then it is refused or named", async () => {
    const ids = await writeTrail(3);
    await asSuperuser(
      `INSERT INTO audit_events (action, seq, prev_hash, hash)
       SELECT 'medical_view', 100, prev_hash, hash FROM audit_events WHERE id = $1`,
      ids[1],
    );
    const verdict = await verifyChain(db.pool);
    expect(verdict.ok).toBe(false);
    expect(verdict.failure!.id).not.toBe(ids[0]);
  });

  it('when a caller supplies its own chain values, then the trigger overwrites them', async () => {
    await writeTrail(2);
    await db.pool.query(
      `INSERT INTO audit_events (action, seq, prev_hash, hash) VALUES ('x', 999, 'a', 'b')`,
    );
    expect((await verifyChain(db.pool)).ok).toBe(true);
  });

  it('when an app user tries to edit or delete a row, then the database refuses', async () => {
    const ids = await writeTrail(1);
    const edit = db.pool.query(`UPDATE audit_events SET reason = 'x' WHERE id = $1`, [ids[0]]);
    await expect(edit).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`UPDATE audit_chain SET seq = 0`)).rejects.toThrow(/only advances/);
  });

  it('when many writers append at once, then the chain stays one line with no fork', async () => {
    const writers = new pg.Pool({ connectionString: db.url, max: 8 });
    try {
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const client = await writers.connect();
          try {
            await client.query('BEGIN');
            await client.query(
              `INSERT INTO audit_events (action, customer_id) VALUES ('medical_view', $1)`,
              [i + 1],
            );
            await client.query(
              `INSERT INTO audit_events (action, customer_id) VALUES ('medical_reveal', $1)`,
              [i + 1],
            );
            await client.query('COMMIT');
          } finally {
            client.release();
          }
        }),
      );
    } finally {
      await writers.end();
    }
    const verdict = await verifyChain(db.pool);
    expect(verdict.failure).toBeUndefined();
    expect(verdict).toMatchObject({ ok: true, rows: 80 });
  });

  it('when the whole chain is recomputed after an edit, then a recorded anchor exposes it', async () => {
    await writeTrail(3);
    const anchor = (await verifyChain(db.pool)).head;
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
      await client.query('ALTER TABLE audit_chain DISABLE TRIGGER USER');
      await client.query(`UPDATE audit_events SET reason = 'rewritten' WHERE seq = 1`);
      await client.query(`DO $$ DECLARE r audit_events; prev text := repeat('0', 64); BEGIN
        FOR r IN SELECT * FROM audit_events ORDER BY seq LOOP
          r.prev_hash := prev; prev := audit_event_hash(r);
          UPDATE audit_events SET prev_hash = r.prev_hash, hash = prev WHERE id = r.id;
        END LOOP;
        UPDATE audit_chain SET hash = prev; END $$`);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect((await verifyChain(db.pool)).ok).toBe(true);
    const verdict = await verifyChain(db.pool, anchor);
    expect(verdict.failure).toMatchObject({ problem: 'anchor-mismatch', seq: anchor.seq });
  });
});
