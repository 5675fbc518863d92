// Ticket figures: the ticket page with a 200-entry thread under load, and a whole-table ticket CSV
// export (rows/s and the server's RSS growth while it streams).
// Run as `tsx bench/extra/tickets.ts`. DATABASE_URL: the seeded bench database (seeded here with
// the BENCH_SCALE scale seed if it is empty); BENCH_EXTRA_OUT: JSON file for the figures.
// The app runs as a child process in production mode, as `npm start` runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { loadConfig } from '../../src/config.js';
import { prepareDatabase } from '../../src/db/bootstrap.js';
import { connectDatabase } from '../../src/db/client.js';
import { DEMO_PASSWORD, isEmpty } from '../../src/db/seed/demo.js';
import { seedLarge } from '../../src/db/seed/large.js';

const THREAD_ENTRIES = 200;
const CONNECTIONS = 10;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const PROXY = { 'x-forwarded-proto': 'https' };
const TARGETS = { threadP95Ms: 50, exportRowsPerSec: 50_000, exportRssGrowthMb: 50 };
const say = (line: string) => process.stdout.write(line + '\n');

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

function startApp(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const nodeOptions = String(JSON.parse(readFileSync('package.json', 'utf8')).config.node_options);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      env: { ...process.env, NODE_OPTIONS: nodeOptions, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready in \d+ ms at http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({ child, port: Number(match[1]) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk) => (output += chunk.toString()));
    child.once('exit', (code) =>
      reject(new Error(`app exited (${code}): ${output.trim().split('\n').slice(-3).join(' | ')}`)),
    );
  });
}

async function signIn(base: string, email: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const page = await fetch(`${base}/login`, { headers: PROXY });
  keep(page);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      ...PROXY,
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookie(),
    },
    body: new URLSearchParams({ _csrf: csrf, email, password: DEMO_PASSWORD }).toString(),
  });
  keep(res);
  if (res.status !== 303) throw new Error(`Sign-in as ${email} failed: HTTP ${res.status}`);
  return cookie();
}

/** The newest ticket, with its thread brought up to 200 entries (notes and contacts). */
async function ticketWithLongThread(databaseUrl: string): Promise<number> {
  const database = connectDatabase(databaseUrl);
  try {
    const { rows } = await database.pool.query<{ id: number; entries: number }>(
      `SELECT t.id, (SELECT count(*) FROM ticket_entries e WHERE e.ticket_id = t.id)::int AS entries
         FROM support_tickets t WHERE t.status <> 'merged' ORDER BY t.id DESC LIMIT 1`,
    );
    const ticket = rows[0];
    if (!ticket) throw new Error('The bench database has no tickets.');
    const missing = THREAD_ENTRIES - ticket.entries;
    if (missing > 0)
      await database.pool.query(
        `INSERT INTO ticket_entries (ticket_id, author_id, kind, channel, direction, body, created_at)
         SELECT $1, (SELECT id FROM users WHERE role = 'agent' ORDER BY id LIMIT 1),
                CASE WHEN g % 3 = 0 THEN 'contact' ELSE 'note' END::"TicketEntryKind",
                CASE WHEN g % 3 = 0 THEN 'call' END::"ContactChannel",
                CASE WHEN g % 3 = 0 THEN 'outbound' END::"ContactDirection",
                'Called the patient back about the refund; they confirmed the account ending '
                  || g || ' and asked for an email once it is sent. @Ada follow up tomorrow.',
                (now() AT TIME ZONE 'UTC') - make_interval(mins => $2 - g)
           FROM generate_series(1, $2) g`,
        [ticket.id, missing],
      );
    return ticket.id;
  } finally {
    await database.close();
  }
}

async function threadPage(url: string, headers: Record<string, string>) {
  await new Promise((resolve) =>
    autocannon({ url, connections: CONNECTIONS, duration: WARMUP_SECONDS, headers }, resolve),
  );
  const times: number[] = [];
  const result = await new Promise<Result>((resolve, reject) => {
    const instance = autocannon(
      { url, connections: CONNECTIONS, duration: SECONDS, headers, timeout: 30 },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_c: unknown, _s: number, _b: number, ms: number) => times.push(ms));
  });
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] ?? 0;
  return {
    requestsPerSec: round(times.length / (result.duration || SECONDS)),
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    non2xx: result.non2xx,
  };
}

/** Downloads the whole export, counting rows as they arrive, while sampling the server's RSS. */
async function exportAll(url: string, headers: Record<string, string>, pid: number) {
  const before = rssMb(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  const started = performance.now();
  const res = await fetch(url, { headers });
  if (res.status !== 200 || !res.body) throw new Error(`Export failed: HTTP ${res.status}`);
  let lines = 0;
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const byte of chunk) if (byte === 10) lines += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const rows = lines - 1;
  return {
    rows,
    seconds: round(seconds, 2),
    rowsPerSec: Math.round(rows / seconds),
    megabytes: round(bytes / 1024 / 1024),
    rssBeforeMb: round(before),
    rssPeakMb: round(peak),
    rssGrowthMb: round(peak - before),
  };
}

async function main(): Promise<void> {
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: path.resolve(process.env.DATA_DIR ?? 'data-bench'),
  });
  const target = await prepareDatabase(config, say);
  let app: ChildProcess | undefined;
  try {
    const database = connectDatabase(target.url);
    try {
      if (await isEmpty(database.prisma)) {
        say('Bench database is empty: running the scale seed.');
        await seedLarge(database.prisma, database.pool, process.env.BENCH_SCALE ?? 'large');
      }
    } finally {
      await database.close();
    }
    const ticketId = await ticketWithLongThread(target.url);
    const started = await startApp({
      DATABASE_URL: target.url,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      TRUST_PROXY: 'loopback',
      SEED_DEMO: 'never',
      SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    });
    app = started.child;
    const base = `http://127.0.0.1:${started.port}`;
    const headers = { ...PROXY, cookie: await signIn(base, 'supervisor@caredesk.test') };

    say(`Ticket page, ${THREAD_ENTRIES}-entry thread: ${CONNECTIONS} connections, ${SECONDS} s`);
    const thread = await threadPage(`${base}/tickets/${ticketId}`, headers);
    say(
      `  ${thread.requestsPerSec} req/s, p50 ${thread.p50} ms, p95 ${thread.p95} ms, p99 ${thread.p99} ms` +
        (thread.non2xx ? `, ${thread.non2xx} non-2xx` : ''),
    );
    say('Ticket export, every ticket (view=all)');
    const exported = await exportAll(`${base}/tickets/export.csv?view=all`, headers, app.pid!);
    say(
      `  ${exported.rows.toLocaleString('en')} rows (${exported.megabytes} MB) in ${exported.seconds} s: ` +
        `${exported.rowsPerSec.toLocaleString('en')} rows/s; server RSS ${exported.rssBeforeMb} → ` +
        `peak ${exported.rssPeakMb} MB (+${exported.rssGrowthMb} MB)`,
    );
    const checks = [
      {
        target: `ticket page (200-entry thread) p95 < ${TARGETS.threadP95Ms} ms`,
        pass: thread.p95 < TARGETS.threadP95Ms && thread.non2xx === 0,
        value: `${thread.p95} ms`,
      },
      {
        target: `ticket export ≥ ${TARGETS.exportRowsPerSec.toLocaleString('en')} rows/s`,
        pass: exported.rowsPerSec >= TARGETS.exportRowsPerSec,
        value: `${exported.rowsPerSec.toLocaleString('en')} rows/s over ${exported.rows.toLocaleString('en')} rows`,
      },
      {
        target: `ticket export RSS growth < ${TARGETS.exportRssGrowthMb} MB`,
        pass: exported.rssGrowthMb < TARGETS.exportRssGrowthMb,
        value: `${exported.rssGrowthMb} MB`,
      },
    ];
    for (const c of checks) say(`${c.pass ? 'PASS' : 'FAIL'}  ${c.target}: ${c.value}`);
    const out = process.env.BENCH_EXTRA_OUT;
    if (out) {
      mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
      writeFileSync(
        out,
        JSON.stringify({ name: 'tickets', thread, export: exported, checks }, null, 2) + '\n',
      );
      say(`Figures written to ${out}`);
    }
  } finally {
    app?.kill('SIGTERM');
    await target.stop();
  }
}

main().catch((error: unknown) => {
  say(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
