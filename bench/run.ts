// `npm run bench [-- --scale small|large]`: load-tests the real app against a seeded database and
// holds it to a bare baseline measured in the same run.
// Database: DATABASE_URL, or the embedded server in $DATA_DIR/<scale> (default ./data-bench/<scale>),
// seeded at that scale when empty. The app runs compiled, as `npm start` runs it (production mode
// behind an assumed TLS proxy, port 0). After a discarded warm-up, each of 3 rounds measures the
// baseline and each page alternately (page order reversed every other round); each figure is the
// median of the rounds and each ratio the median of page / the baseline measured just before it.
// Then bench/extra/*.ts run (see extra.ts). Every round goes to bench-results/latest.json and
// bench-results/<scale>.json; with both scales on file, large is held to small.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { prepareDatabase } from '../src/db/bootstrap.js';
import { connectDatabase } from '../src/db/client.js';
import { DEMO_PASSWORD, isEmpty } from '../src/db/seed/demo.js';
import { seedLarge, SCALES } from '../src/db/seed/large.js';
import { runExtras } from './extra.js';
import { load, median, type Segment } from './load.js';

const flag = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const SCALE = flag('--scale') ?? process.env.BENCH_SCALE ?? 'large';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const say = (line: string) => process.stdout.write(line + '\n');
const PROXY = { 'x-forwarded-proto': 'https' };

interface Target {
  name: string;
  path: string;
  kind: 'list' | 'search' | 'profile' | 'metrics';
}

interface Round {
  page: Segment;
  baseline: Segment;
}

interface PageResult {
  name: string;
  kind: Target['kind'];
  url: string;
  requestsPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  failures: number;
  ratioToBaseline: number;
  p95ToBaseline: number;
  peakRssMb: number;
  rounds: Round[];
}

function startChild(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({ child, port: Number(match[1]) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk) => (output += chunk.toString()));
    child.once('exit', (code) =>
      reject(
        new Error(
          `${args.join(' ')} exited (${code}): ${output.trim().split('\n').slice(-3).join(' | ')}`,
        ),
      ),
    );
  });
}

function stopChildren(children: ChildProcess[]): Promise<unknown> {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  return Promise.all(
    children.map((child) =>
      child.exitCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)),
    ),
  );
}

function cookiesFrom(res: Response, jar: Map<string, string>): void {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

async function signIn(base: string, email: string): Promise<string> {
  const jar = new Map<string, string>();
  const page = await fetch(`${base}/login`, { headers: PROXY });
  cookiesFrom(page, jar);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('No CSRF token on /login');
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      ...PROXY,
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookieHeader(jar),
    },
    body: new URLSearchParams({ _csrf: csrf, email, password: DEMO_PASSWORD }).toString(),
  });
  cookiesFrom(res, jar);
  if (res.status !== 303) throw new Error(`Sign-in as ${email} failed: HTTP ${res.status}`);
  return cookieHeader(jar);
}

interface Sample {
  customerId: number;
  phone: string;
  name: string;
}

async function prepareData(url: string): Promise<Sample> {
  const database = connectDatabase(url);
  try {
    if (await isEmpty(database.prisma)) {
      say(`Bench database is empty: running the ${SCALE} seed (minutes for large).`);
      await seedLarge(database.prisma, database.pool, SCALE);
    }
    const counts = (
      await database.pool.query(
        `SELECT (SELECT count(*) FROM customers)::int AS customers,
                (SELECT count(*) FROM interactions)::int AS interactions,
                (SELECT count(*) FROM support_tickets)::int AS tickets,
                (SELECT count(*) FROM consultations)::int AS consultations`,
      )
    ).rows[0];
    say(
      `Database (${SCALE}): ${Object.entries(counts)
        .map(([k, v]) => `${Number(v).toLocaleString('en')} ${k}`)
        .join(', ')}`,
    );
    // A busy patient (low ids get most activity in the scale seed), four digits of a phone and a
    // name. The four digits are the number's first after the country code (the network's code
    // and the next digit): they fill the first page on either seed, so large is held to small
    // for the same page. Four digits from the middle of the number (the earlier sample) match 8
    // customers on the small seed and 245 on the large, and the check weighed 8 rows against 25.
    const row = (
      await database.pool.query(
        `SELECT c.id, c.phone_digits, c.first_name FROM customers c
          WHERE c.id = (SELECT customer_id FROM support_tickets ORDER BY id DESC LIMIT 1)`,
      )
    ).rows[0];
    return {
      customerId: row.id,
      phone: String(row.phone_digits).slice(3, 7),
      name: String(row.first_name).slice(0, 5),
    };
  } finally {
    await database.close();
  }
}

function targetsFor(sample: Sample): Target[] {
  return [
    {
      name: 'tickets list (filtered)',
      path: '/tickets?view=all&status=open&priority=high',
      kind: 'list',
    },
    { name: 'consultations list', path: '/consultations', kind: 'list' },
    { name: 'customer search, phone digits', path: `/customers?q=${sample.phone}`, kind: 'search' },
    {
      name: 'customer search, name',
      path: `/customers?q=${encodeURIComponent(sample.name)}`,
      kind: 'search',
    },
    {
      name: 'customer profile + timeline',
      path: `/customers/${sample.customerId}`,
      kind: 'profile',
    },
    { name: 'metrics (last 30 days, fresh)', path: '/metrics', kind: 'metrics' },
  ];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function summarise(target: Target, url: string, rounds: Round[]): PageResult {
  const pick = (f: (r: Round) => number) => median(rounds.map(f));
  return {
    name: target.name,
    kind: target.kind,
    url,
    requestsPerSec: pick((r) => r.page.requestsPerSec),
    p50: pick((r) => r.page.p50),
    p95: pick((r) => r.page.p95),
    p99: pick((r) => r.page.p99),
    failures: rounds.reduce((sum, r) => sum + r.page.failures, 0),
    ratioToBaseline: round2(
      pick((r) => r.page.requestsPerSec / Math.max(r.baseline.requestsPerSec, 0.001)),
    ),
    p95ToBaseline: round2(pick((r) => r.page.p95 / Math.max(r.baseline.p95, 0.1))),
    peakRssMb: Math.max(...rounds.map((r) => r.page.peakRssMb)),
    rounds,
  };
}

/** Large against small (same pages, an earlier run at the other scale): cost flat in data size. */
function flatness(results: PageResult[]) {
  const other = SCALE === 'large' ? 'small' : 'large';
  const file = path.join('bench-results', `${other}.json`);
  if (!existsSync(file)) return [];
  const earlier = JSON.parse(readFileSync(file, 'utf8')) as { pages: PageResult[] };
  const [large, small] = SCALE === 'large' ? [results, earlier.pages] : [earlier.pages, results];
  return large
    .filter((page) => page.kind === 'list' || page.kind === 'search')
    .flatMap((page) => {
      const twin = small.find((p) => p.name === page.name);
      if (!twin) return [];
      return [
        {
          target: `${page.name}: p95 on large ≤ 1.3× small`,
          pass: page.p95 <= 1.3 * twin.p95,
          value: `${page.p95} ms vs ${twin.p95} ms (${round2(page.p95 / Math.max(twin.p95, 0.1))}×)`,
        },
      ];
    });
}

async function main(): Promise<void> {
  const started = Date.now();
  if (!SCALES[SCALE]) throw new Error(`--scale takes ${Object.keys(SCALES).join(' or ')}`);
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: path.resolve(process.env.DATA_DIR ?? 'data-bench', SCALE),
  });
  const target = await prepareDatabase(config, say);
  const children: ChildProcess[] = [];
  try {
    const sample = await prepareData(target.url);
    // The server runs as `npm start` runs it: compiled, with package.json's V8 heap limits.
    const nodeOptions = String(
      JSON.parse(readFileSync('package.json', 'utf8')).config.node_options,
    );
    const app = await startChild(
      ['scripts/start.mjs'],
      {
        NODE_OPTIONS: nodeOptions,
        DATABASE_URL: target.url,
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        TRUST_PROXY: 'loopback',
        SEED_DEMO: 'never',
        SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
      },
      /ready in \d+ ms at http:\/\/localhost:(\d+)/,
    );
    children.push(app.child);
    const baseline = await startChild(
      ['--import', 'tsx', 'bench/baseline.ts'],
      { DATABASE_URL: target.url },
      /BASELINE_PORT=(\d+)/,
    );
    children.push(baseline.child);
    const base = `http://127.0.0.1:${app.port}`;
    const baselineUrl = `http://127.0.0.1:${baseline.port}/tickets?status=open&priority=high`;
    const headers = { ...PROXY, cookie: await signIn(base, 'supervisor@caredesk.test') };
    const targets = targetsFor(sample);

    // Metrics on distinct ranges, one at a time (each computed fresh from the rollups).
    const cold: number[] = [];
    for (let k = 1; k <= 3; k++) {
      const to = new Date(Date.now() - k * 86_400_000).toISOString().slice(0, 10);
      const from = new Date(Date.now() - (k + 29) * 86_400_000).toISOString().slice(0, 10);
      const t0 = performance.now();
      const res = await fetch(`${base}/metrics?from=${from}&to=${to}`, { headers });
      await res.text();
      cold.push(Math.round(performance.now() - t0));
    }
    say(`Metrics uncached (3 sequential requests, distinct ranges): ${cold.join(', ')} ms`);

    const onBaseline = (seconds: number) =>
      load({
        url: baselineUrl,
        headers: {},
        connections: CONNECTIONS,
        seconds,
        pid: baseline.child.pid!,
      });
    const onPage = (t: Target, seconds: number) =>
      load({ url: base + t.path, headers, connections: CONNECTIONS, seconds, pid: app.child.pid! });

    say(`Warm-up (discarded): ${WARMUP_SECONDS} s on the baseline and on each page.`);
    await onBaseline(WARMUP_SECONDS);
    for (const t of targets) await onPage(t, WARMUP_SECONDS);

    say(
      `Load: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per page and baseline.`,
    );
    const rounds = new Map<Target, Round[]>(targets.map((t) => [t, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? [...targets].reverse() : targets;
      for (const t of order) {
        const baselineSegment = await onBaseline(SECONDS);
        const page = await onPage(t, SECONDS);
        rounds.get(t)!.push({ page, baseline: baselineSegment });
        say(
          `  round ${r + 1} ${t.name}: ${page.requestsPerSec} req/s, p95 ${page.p95} ms ` +
            `(baseline ${baselineSegment.requestsPerSec} req/s, p95 ${baselineSegment.p95} ms)` +
            (page.failures ? `, ${page.failures} failures ${JSON.stringify(page.statuses)}` : ''),
        );
      }
    }
    const results = targets.map((t) => summarise(t, base + t.path, rounds.get(t)!));
    const baselineRounds = [...rounds.values()].flat().map((r) => r.baseline);
    const baselineSummary = {
      name: 'baseline: bare pg + EJS ticket list',
      url: baselineUrl,
      requestsPerSec: median(baselineRounds.map((b) => b.requestsPerSec)),
      p50: median(baselineRounds.map((b) => b.p50)),
      p95: median(baselineRounds.map((b) => b.p95)),
      p99: median(baselineRounds.map((b) => b.p99)),
      failures: baselineRounds.reduce((sum, b) => sum + b.failures, 0),
    };
    const peakRss = Math.max(...results.map((r) => r.peakRssMb));
    await stopChildren(children);

    const signedIn = results.filter((r) => r.kind !== 'metrics');
    const checks = [
      ...signedIn.flatMap((r) => [
        {
          target: `${r.name}: ≥ 0.6× baseline throughput`,
          pass: r.ratioToBaseline >= 0.6 && r.failures === 0,
          value: `${r.ratioToBaseline}×${r.failures ? ` (${r.failures} failures)` : ''}`,
        },
        {
          target: `${r.name}: p95 ≤ 2.5× baseline p95`,
          pass: r.p95ToBaseline <= 2.5 && r.failures === 0,
          value: `${r.p95ToBaseline}×`,
        },
      ]),
      {
        target: 'metrics uncached < 15 baseline requests (p50)',
        pass: median(cold) < 15 * baselineSummary.p50,
        value: `${median(cold)} ms vs ${Math.round(15 * baselineSummary.p50)} ms`,
      },
      { target: 'server peak RSS < 300 MB', pass: peakRss < 300, value: `${peakRss} MB` },
      ...flatness(results),
    ];

    const pad = (v: string | number, n: number) => String(v).padEnd(n);
    const lpad = (v: string | number, n: number) => String(v).padStart(n);
    say('');
    say(
      `${pad('page (median of ' + ROUNDS + ' rounds)', 40)}${lpad('req/s', 9)}${lpad('p50', 8)}` +
        `${lpad('p95', 8)}${lpad('p99', 8)}${lpad('×base', 7)}${lpad('p95×', 7)}${lpad('fail', 6)}`,
    );
    for (const r of [{ ...baselineSummary, ratioToBaseline: 1, p95ToBaseline: 1 }, ...results]) {
      say(
        `${pad(r.name.slice(0, 39), 40)}${lpad(r.requestsPerSec, 9)}${lpad(r.p50, 8)}` +
          `${lpad(r.p95, 8)}${lpad(r.p99, 8)}${lpad(r.ratioToBaseline, 7)}` +
          `${lpad(r.p95ToBaseline, 7)}${lpad(r.failures, 6)}`,
      );
    }
    say('');
    for (const c of checks) say(`${c.pass ? 'PASS' : 'FAIL'}  ${c.target}: ${c.value}`);

    const extra = await runExtras({ databaseUrl: target.url, scale: SCALE, say });

    mkdirSync('bench-results', { recursive: true });
    const report =
      JSON.stringify(
        {
          at: new Date().toISOString(),
          scale: SCALE,
          connections: CONNECTIONS,
          secondsPerSegment: SECONDS,
          rounds: ROUNDS,
          warmupSeconds: WARMUP_SECONDS,
          metricsUncachedMs: cold,
          baseline: baselineSummary,
          pages: results,
          peakRssMb: peakRss,
          checks,
          extra,
        },
        null,
        2,
      ) + '\n';
    writeFileSync('bench-results/latest.json', report);
    writeFileSync(`bench-results/${SCALE}.json`, report);
    say(`\nWrote bench-results/latest.json (${((Date.now() - started) / 1000).toFixed(0)} s).`);
  } finally {
    await stopChildren(children);
    await target.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`bench: ${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
