// `tsx bench/extra/metrics-fresh.ts`: the metrics page's figures computed fresh (no cache) for the
// last 7, 30 and 90 days, against the bare baseline's p50 measured in the same run. Target: the
// 30-day computation takes less than 15 baseline requests (p50).
// Env: DATABASE_URL (the seeded bench database), BENCH_EXTRA_OUT (JSON file for the figures),
// APP_TIME_ZONE (default Africa/Lagos), BENCH_SECONDS / BENCH_CONNECTIONS / BENCH_WARMUP_SECONDS
// for the baseline load, BENCH_RECOUNT=1 to also time the full recount the rollups replaced.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import { pageView } from '../../src/modules/metrics/presenter.js';
import type { MetricQueries } from '../../src/modules/metrics/queries.js';
import { parseRange } from '../../src/modules/metrics/schema.js';
import { loadMetrics } from '../../src/modules/metrics/service.js';
import { verificationFigures } from '../../src/modules/metrics/verification.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const ROUNDS = 5;
const RANGES = [7, 30, 90];
const TARGET_BASELINE_REQUESTS = 15;
const zone = process.env.APP_TIME_ZONE ?? 'Africa/Lagos';
const say = (line: string) => process.stdout.write(line + '\n');
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must name the seeded bench database.');

function startBaseline(): Promise<{ child: ChildProcess; port: number }> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'baseline.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /BASELINE_PORT=(\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`baseline exited (${code})`)));
  });
}

const cannon = (target: string, duration: number) =>
  new Promise<Result>((resolve, reject) =>
    autocannon({ url: target, connections: CONNECTIONS, duration, timeout: 30 }, (error, res) =>
      error ? reject(error) : resolve(res),
    ),
  );

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const round = (n: number) => Math.round(n * 10) / 10;

/** ROUNDS sequential computations of everything the page shows (a first, discarded run warms up). */
async function time(pool: pg.Pool, days: number, queries?: MetricQueries): Promise<number[]> {
  const today = new Date();
  const from = new Date(today.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const range = parseRange({ from, to: today.toISOString().slice(0, 10) }, today, zone);
  const once = async () => {
    const started = performance.now();
    const [metrics] = await Promise.all([
      loadMetrics(pool, range, zone, queries),
      verificationFigures(pool, range, zone),
    ]);
    pageView(metrics, range, new Date());
    return performance.now() - started;
  };
  await once();
  const runs: number[] = [];
  for (let k = 0; k < ROUNDS; k++) runs.push(await once());
  return runs;
}

async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const baseline = await startBaseline();
  try {
    const base = `http://127.0.0.1:${baseline.port}/tickets?status=open&priority=high`;
    await cannon(base, WARMUP_SECONDS);
    const result = await cannon(base, SECONDS);
    const baselineP50 = result.latency.p50;
    say(
      `Bare baseline: ${round(result.requests.average)} req/s, p50 ${baselineP50} ms (${CONNECTIONS} connections, ${SECONDS} s)`,
    );
    const budget = TARGET_BASELINE_REQUESTS * baselineP50;

    const fresh: Record<string, { medianMs: number; runsMs: number[]; baselineRequests: number }> =
      {};
    for (const days of RANGES) {
      const runs = await time(pool, days);
      const ms = median(runs);
      fresh[`${days}d`] = {
        medianMs: round(ms),
        runsMs: runs.map(round),
        baselineRequests: round(ms / baselineP50),
      };
      say(
        `Metrics fresh, last ${days} days: ${round(ms)} ms median of ${ROUNDS} (= ${round(ms / baselineP50)} baseline p50s)`,
      );
    }

    const recount: Record<string, number> = {};
    if (process.env.BENCH_RECOUNT === '1') {
      const { RECOUNT_QUERIES } = await import('../../tests/support/metrics-recount.js');
      for (const days of RANGES) {
        recount[`${days}d`] = round(median(await time(pool, days, RECOUNT_QUERIES)));
        say(`Full recount (before rollups), last ${days} days: ${recount[`${days}d`]} ms`);
      }
    }

    const pass = fresh['30d'].medianMs < budget;
    say(
      `${pass ? 'PASS' : 'FAIL'}  metrics fresh (30 days) < ${TARGET_BASELINE_REQUESTS} × baseline p50 (${round(budget)} ms): ${fresh['30d'].medianMs} ms`,
    );
    if (process.env.BENCH_EXTRA_OUT)
      writeFileSync(
        process.env.BENCH_EXTRA_OUT,
        JSON.stringify(
          {
            at: new Date().toISOString(),
            timeZone: zone,
            baseline: { p50Ms: baselineP50, requestsPerSec: round(result.requests.average) },
            metricsFresh: fresh,
            ...(Object.keys(recount).length ? { fullRecountMs: recount } : {}),
            checks: [
              {
                target: `metrics fresh (30 days) < ${TARGET_BASELINE_REQUESTS} × baseline p50`,
                pass,
                value: `${fresh['30d'].medianMs} ms vs ${round(budget)} ms`,
              },
            ],
          },
          null,
          2,
        ) + '\n',
      );
  } finally {
    baseline.child.kill('SIGTERM');
    await pool.end();
  }
}

main().catch((error) => {
  process.stderr.write(`metrics-fresh: ${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
