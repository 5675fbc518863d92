// `npm run bench:audit`: times `audit:verify` on a large audit trail against a bare baseline (the
// same rows read once, in seq order, without hashing). Database: DATABASE_URL, or the embedded
// server under DATA_DIR (default ./data-bench). The trail is topped up to AUDIT_ROWS (1 000 000)
// through the real insert trigger, 1 000 rows a statement, so every hash is the database's own.
// Results go to bench-results/audit-verify.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { prepareDatabase } from '../src/db/bootstrap.js';
import { connectDatabase } from '../src/db/client.js';
import { verifyChain } from '../src/modules/audit/chain.js';

const ROWS = Number(process.env.AUDIT_ROWS ?? 1_000_000);
const STEP = 1_000;
const say = (line: string) => process.stdout.write(line + '\n');

// Varied rows like the app writes: views, reveals, corrections and sign-ins, some fields empty.
const FILL = `
  INSERT INTO audit_events
    (action, actor_role, customer_id, record_type, record_id, field_group, reason, ip)
  SELECT (ARRAY['medical_view','medical_reveal','contact_corrected','sign_in'])[1 + g % 4],
         (ARRAY['doctor','agent','admin','supervisor'])[1 + g % 4]::"Role",
         g % 50000, 'customer', g,
         CASE WHEN g % 3 = 0 THEN NULL ELSE 'customer_medical' END,
         'assigned: consultation ' || g, '10.0.' || (g % 256) || '.' || (g % 200)
    FROM generate_series(1, $1::int) g`;

async function main(): Promise<void> {
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: path.resolve(process.env.DATA_DIR ?? 'data-bench'),
  });
  const target = await prepareDatabase(config, say);
  const database = connectDatabase(target.url, 5);
  const { pool } = database;
  try {
    const count = async () =>
      Number((await pool.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n);
    let have = await count();
    if (have < ROWS) say(`Adding ${ROWS - have} audit rows through the chain trigger…`);
    while (have < ROWS) {
      const n = Math.min(STEP, ROWS - have);
      await pool.query(FILL, [n]);
      have += n;
      if (have % 100_000 < STEP) say(`  ${have} rows`);
    }
    await pool.query('VACUUM ANALYZE audit_events');

    // Baseline: one pass over the same columns in seq order, nothing computed.
    let started = Date.now();
    const client = await pool.connect();
    let read = 0;
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(
        `DECLARE everything NO SCROLL CURSOR FOR
           SELECT seq::text, id::text, to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS.MS'), actor_id::text,
                  actor_role::text, action, customer_id::text, record_type, record_id::text,
                  field_group, reason, ip, prev_hash, hash
             FROM audit_events ORDER BY seq`,
      );
      for (;;) {
        const batch = await client.query({ text: 'FETCH 10000 FROM everything', rowMode: 'array' });
        read += batch.rows.length;
        if (batch.rows.length < 10_000) break;
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const baselineMs = Date.now() - started;

    started = Date.now();
    const verdict = await verifyChain(pool);
    const verifyMs = Date.now() - started;
    if (!verdict.ok) throw new Error(`The chain does not verify: ${verdict.failure!.message}`);
    const result = {
      rows: verdict.rows,
      baselineMs,
      verifyMs,
      ratioToBaseline: Number((verifyMs / baselineMs).toFixed(2)),
      targetMs: 30_000,
      at: new Date().toISOString(),
    };
    say(
      `Read ${read} rows in ${baselineMs} ms (baseline); verified ${verdict.rows} in ${verifyMs} ms ` +
        `(${result.ratioToBaseline}× the baseline; target < 30 s at 1M rows).`,
    );
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/audit-verify.json', JSON.stringify(result, null, 2) + '\n');
  } finally {
    await database.close();
    await target.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
