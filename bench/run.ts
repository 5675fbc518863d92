// `npm run bench`: load-tests the real app against a large database and compares it with a bare baseline.
// Database: DATABASE_URL, or the embedded server under DATA_DIR (default ./data-bench), seeded with
// the large scale seed when empty. The app runs as a child process (production mode behind an
// assumed TLS proxy, port 0); its RSS is sampled every 100 ms. Results go to bench-results/latest.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { loadConfig } from '../src/config.js';
import { prepareDatabase } from '../src/db/bootstrap.js';
import { connectDatabase } from '../src/db/client.js';
import { isEmpty } from '../src/db/seed/demo.js';
import { DEMO_PASSWORD } from '../src/db/seed/demo.js';
import { seedLarge } from '../src/db/seed/large.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const say = (line: string) => process.stdout.write(line + '\n');
const PROXY = { 'x-forwarded-proto': 'https' };

interface Target {
  name: string;
  path: string;
  kind: 'list' | 'search' | 'profile' | 'metrics';
}

interface Measured {
  name: string;
  url: string;
  requestsPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
  ratioToBaseline?: number;
  peakRssMb: number;
}

function startChild(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
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
        new Error(`${script} exited (${code}): ${output.trim().split('\n').slice(-3).join(' | ')}`),
      ),
    );
  });
}

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function load(
  name: string,
  url: string,
  headers: Record<string, string>,
  pid: number,
): Promise<Measured> {
  // Warm-up (JIT, caches, pool connections) is not measured.
  await new Promise((resolve) =>
    autocannon(
      { url, connections: CONNECTIONS, duration: WARMUP_SECONDS, headers, timeout: 30 },
      resolve,
    ),
  );
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  let peak = rssMb(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  const result = await new Promise<Result>((resolve, reject) => {
    const instance = autocannon(
      { url, connections: CONNECTIONS, duration: SECONDS, headers, timeout: 30 },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on(
      'response',
      (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
        times.push(responseTime);
        statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      },
    );
  });
  clearInterval(sampler);
  times.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    name,
    url,
    requestsPerSec: round(times.length / (result.duration || SECONDS)),
    p50: round(percentile(times, 50)),
    p95: round(percentile(times, 95)),
    p99: round(percentile(times, 99)),
    requests: times.length,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statuses,
    peakRssMb: round(peak),
  };
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

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: path.resolve(process.env.DATA_DIR ?? 'data-bench'),
  });
  const target = await prepareDatabase(config, say);
  const children: ChildProcess[] = [];
  try {
    const database = connectDatabase(target.url);
    let sample: { customerId: number; phone: string; name: string };
    try {
      if (await isEmpty(database.prisma)) {
        say('Bench database is empty: running the large seed (a few minutes).');
        await seedLarge(database.prisma, database.pool, process.env.BENCH_SCALE ?? 'large');
      }
      const counts = (
        await database.pool.query(
          `SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM interactions)::int AS interactions,
                (SELECT count(*) FROM support_tickets)::int AS tickets, (SELECT count(*) FROM consultations)::int AS consultations,
                (SELECT count(*) FROM escalations)::int AS escalations`,
        )
      ).rows[0];
      say(
        `Database: ${Object.entries(counts)
          .map(([k, v]) => `${Number(v).toLocaleString('en')} ${k}`)
          .join(', ')}`,
      );
      // A busy patient (low ids get most activity in the scale seed), a 4-digit slice of a phone and a name.
      const row = (
        await database.pool.query(
          `SELECT c.id, c.phone_digits, c.first_name FROM customers c WHERE c.id = (SELECT customer_id FROM support_tickets ORDER BY id DESC LIMIT 1)`,
        )
      ).rows[0];
      sample = {
        customerId: row.id,
        phone: String(row.phone_digits).slice(5, 9),
        name: String(row.first_name).slice(0, 5),
      };
    } finally {
      await database.close();
    }

    // The server runs with the same V8 heap limits as `npm start` (package.json "config.node_options").
    const nodeOptions = String(
      JSON.parse(readFileSync('package.json', 'utf8')).config.node_options,
    );
    const app = await startChild(
      'src/server.ts',
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
      'bench/baseline.ts',
      { DATABASE_URL: target.url },
      /BASELINE_PORT=(\d+)/,
    );
    children.push(baseline.child);
    const base = `http://127.0.0.1:${app.port}`;

    const cookie = await signIn(base, 'supervisor@caredesk.test');
    const headers = { ...PROXY, cookie };
    const targets: Target[] = [
      {
        name: 'tickets list (filtered)',
        path: '/tickets?view=all&status=open&priority=high',
        kind: 'list',
      },
      { name: 'consultations list', path: '/consultations', kind: 'list' },
      {
        name: `customer search phone "${sample.phone}"`,
        path: `/customers?q=${sample.phone}`,
        kind: 'search',
      },
      {
        name: `customer search name "${sample.name}"`,
        path: `/customers?q=${encodeURIComponent(sample.name)}`,
        kind: 'search',
      },
      {
        name: 'customer profile + timeline',
        path: `/customers/${sample.customerId}`,
        kind: 'profile',
      },
      { name: 'metrics (last 30 days)', path: '/metrics', kind: 'metrics' },
    ];

    // Cold metrics: distinct ranges so nothing is cached, one at a time.
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

    say(`Load: ${CONNECTIONS} connections, ${SECONDS} s per page.`);
    const baselineResult = await load(
      'baseline: bare pg + EJS ticket list',
      `http://127.0.0.1:${baseline.port}/tickets?status=open&priority=high`,
      {},
      baseline.child.pid!,
    );
    const results: Measured[] = [];
    for (const t of targets) {
      const measured = await load(t.name, base + t.path, headers, app.child.pid!);
      measured.ratioToBaseline =
        Math.round(
          (measured.requestsPerSec / Math.max(baselineResult.requestsPerSec, 0.001)) * 100,
        ) / 100;
      results.push(measured);
      say(
        `  ${t.name}: ${measured.requestsPerSec} req/s, p95 ${measured.p95} ms${measured.non2xx ? `, ${measured.non2xx} non-2xx ${JSON.stringify(measured.statuses)}` : ''}`,
      );
    }
    const peakRss = Math.max(...results.map((r) => r.peakRssMb));

    const limits: Record<Target['kind'], number> = {
      list: 50,
      search: 50,
      profile: 80,
      metrics: 300,
    };
    const checks = [
      ...targets.map((t, k) => ({
        target: `${t.name} p95 < ${limits[t.kind]} ms`,
        pass: results[k].p95 < limits[t.kind] && results[k].non2xx === 0,
        value: `${results[k].p95} ms${results[k].non2xx ? ` (${results[k].non2xx} non-2xx)` : ''}`,
      })),
      {
        target: 'authenticated ticket list ≥ 0.6× baseline throughput',
        pass: (results[0].ratioToBaseline ?? 0) >= 0.6,
        value: `${results[0].ratioToBaseline}×`,
      },
      { target: 'server peak RSS < 300 MB', pass: peakRss < 300, value: `${peakRss} MB` },
    ];

    const pad = (s: string | number, n: number) => String(s).padEnd(n);
    const lpad = (s: string | number, n: number) => String(s).padStart(n);
    say('');
    say(
      `${pad('page', 40)}${lpad('req/s', 9)}${lpad('p50', 8)}${lpad('p95', 8)}${lpad('p99', 8)}${lpad('×base', 7)}${lpad('non2xx', 8)}${lpad('RSS MB', 8)}`,
    );
    for (const r of [baselineResult, ...results]) {
      say(
        `${pad(r.name.slice(0, 39), 40)}${lpad(r.requestsPerSec, 9)}${lpad(r.p50, 8)}${lpad(r.p95, 8)}${lpad(r.p99, 8)}${lpad(r.ratioToBaseline ?? '1', 7)}${lpad(r.non2xx, 8)}${lpad(r.peakRssMb, 8)}`,
      );
    }
    say('');
    for (const c of checks) say(`${c.pass ? 'PASS' : 'FAIL'}  ${c.target}: ${c.value}`);

    mkdirSync('bench-results', { recursive: true });
    writeFileSync(
      'bench-results/latest.json',
      JSON.stringify(
        {
          at: new Date().toISOString(),
          connections: CONNECTIONS,
          secondsPerPage: SECONDS,
          metricsUncachedMs: cold,
          baseline: baselineResult,
          pages: results,
          peakRssMb: peakRss,
          checks,
        },
        null,
        2,
      ) + '\n',
    );
    say(`\nWrote bench-results/latest.json (${((Date.now() - started) / 1000).toFixed(0)} s).`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map((child) =>
        child.exitCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)),
      ),
    );
    await target.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`bench: ${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
