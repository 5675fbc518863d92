// `npx tsx bench/explain.ts [--analyze]`: EXPLAIN each metrics query on the bench database
// (DATABASE_URL, or the embedded server in DATA_DIR, default ./data-bench) for the last 30 days.
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { parseRange } from '../src/modules/metrics/schema.js';
import { loadMetrics, METRIC_QUERIES } from '../src/modules/metrics/service.js';

const analyze = process.argv.includes('--analyze');
const embedded = process.env.DATABASE_URL
  ? undefined
  : await startEmbeddedPostgres({ dataDir: path.resolve(process.env.DATA_DIR ?? 'data-bench') });
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? embedded!.url, max: 10 });
pool.on('error', () => {});
try {
  const range = parseRange({});
  const zone = process.env.APP_TIME_ZONE ?? 'Africa/Lagos';
  const params = [range.previousStart, range.start, range.end, zone];
  for (const [name, sql] of Object.entries(METRIC_QUERIES)) {
    const { rows } = await pool.query(
      `EXPLAIN (${analyze ? 'ANALYZE, BUFFERS, ' : ''}COSTS OFF) ${sql}`,
      params,
    );
    process.stdout.write(`\n=== ${name}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
  }
  for (let run = 1; run <= 3; run++) {
    const started = performance.now();
    await loadMetrics(pool, range, zone);
    process.stdout.write(
      `loadMetrics (all queries concurrently), run ${run}: ${(performance.now() - started).toFixed(0)} ms\n`,
    );
  }
} finally {
  await pool.end();
  await embedded?.stop();
}
