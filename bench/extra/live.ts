// `tsx bench/extra/live.ts`: the live desk under load. DATABASE_URL is a migrated, seeded bench
// database; figures go to the JSON file BENCH_EXTRA_OUT (if set) and, as lines, to stdout.
//
// Scenario: LIVE_BENCH_STREAMS (500) signed-in /events streams on one instance while
// LIVE_BENCH_RATE (20) ticket changes per second are committed through the app for
// LIVE_BENCH_SECONDS (30); then the same with the streams split across two instances and the
// changes made through the first. Measured: delivery from commit (as a LISTEN connection of the
// bench sees it) to each stream, and from the change request; every event counted on every
// stream; server RSS per stream; what idle streams receive (heartbeats only).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { hashPassword } from '../../src/auth/passwords.js';

const STREAMS = Number(process.env.LIVE_BENCH_STREAMS ?? 500);
const RATE = Number(process.env.LIVE_BENCH_RATE ?? 20);
const SECONDS = Number(process.env.LIVE_BENCH_SECONDS ?? 30);
/** "app": changes go through the first instance's ticket status form; "sql": straight in. */
const WRITES = process.env.LIVE_BENCH_WRITES === 'sql' ? 'sql' : 'app';
const TABS_PER_USER = 5;
/** One user in ten is a doctor: ticket events are not addressed to doctors' streams. */
const DOCTOR_EVERY = 10;
const HEARTBEAT_SECONDS = 5;
const IDLE_SECONDS = 12;
const PASSWORD = 'live bench password 4817 lantern';
const PROXY = { 'x-forwarded-proto': 'https' };
const say = (line: string) => process.stdout.write(line + '\n');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

// ------------------------------------------------------------------------------ instances

interface Instance {
  child: ChildProcess;
  base: string;
}

function startInstance(databaseUrl: string): Promise<Instance> {
  const nodeOptions = String(JSON.parse(readFileSync('package.json', 'utf8')).config.node_options);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      ...process.env,
      NODE_OPTIONS: nodeOptions,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      TRUST_PROXY: 'loopback',
      SEED_DEMO: 'never',
      SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
      // Bench doctors sign in with a password only; the stream's rules do not depend on it.
      MFA_REQUIRED_ROLES: 'admin',
      LIVE_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready in \d+ ms at http:\/\/localhost:(\d+)/.exec(output);
      if (!match) return;
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve({ child, base: `http://127.0.0.1:${match[1]}` });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk) => (output += chunk.toString()));
    child.once('exit', (code) =>
      reject(
        new Error(`server exited (${code}): ${output.trim().split('\n').slice(-3).join(' | ')}`),
      ),
    );
  });
}

async function stopInstance(instance: Instance): Promise<void> {
  if (instance.child.exitCode !== null) return;
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill('SIGTERM');
  await exited;
}

/** The median of five samples over a second: single readings jump with each GC. */
async function settledRssKb(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssKb(pid));
    await sleep(250);
  }
  return samples.sort((a, b) => a - b)[2];
}

function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}

// ------------------------------------------------------------------------------ sessions

interface BenchUser {
  email: string;
  role: 'agent' | 'doctor' | 'supervisor';
}

/** Bench users (made once, kept for later runs), all with one password. */
async function ensureUsers(pool: pg.Pool, users: BenchUser[]): Promise<void> {
  const hash = await hashPassword(PASSWORD);
  for (const u of users)
    await pool.query(
      `INSERT INTO users (email, name, role, password_hash, updated_at)
       VALUES ($1, $2, $3::"Role", $4, now())
       ON CONFLICT (email) DO UPDATE SET password_hash = $4, active = true, role = $3::"Role"`,
      [u.email, `Live Bench ${u.email.split('@')[0]}`, u.role, hash],
    );
}

function setCookies(res: Response, jar: Map<string, string>): void {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}
const cookieOf = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

async function signIn(base: string, email: string): Promise<{ cookie: string; csrf: string }> {
  const jar = new Map<string, string>();
  const page = await fetch(`${base}/login`, { headers: PROXY });
  setCookies(page, jar);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      ...PROXY,
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookieOf(jar),
    },
    body: new URLSearchParams({ _csrf: csrf, email, password: PASSWORD }).toString(),
  });
  setCookies(res, jar);
  const location = res.headers.get('location') ?? '';
  if (res.status !== 303 || location.includes('/login'))
    throw new Error(`Sign-in as ${email} failed: HTTP ${res.status} → ${location}`);
  const home = await fetch(`${base}/account`, { headers: { ...PROXY, cookie: cookieOf(jar) } });
  const token = /name="_csrf" value="([^"]+)"/.exec(await home.text())?.[1];
  if (!token) throw new Error(`No CSRF token for ${email}`);
  return { cookie: cookieOf(jar), csrf: token };
}

// ------------------------------------------------------------------------------ streams

/** One tab's stream: every frame's arrival is kept, keyed "kind:id:version". */
class Stream {
  opened = false;
  heartbeats = 0;
  others = 0;
  /** Arrival time of each event, by its id (the commit sequence number). */
  readonly received = new Map<string, number>();
  duplicates = 0;
  private request: http.ClientRequest | null = null;

  constructor(readonly role: BenchUser['role']) {}

  open(base: string, cookie: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let buffer = '';
      this.request = http.get(
        `${base}/events`,
        { agent: false, headers: { ...PROXY, cookie, accept: 'text/event-stream' } },
        (res) => {
          if (res.statusCode !== 200) return reject(new Error(`/events: HTTP ${res.statusCode}`));
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const at = performance.now();
            buffer += chunk;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              this.frame(buffer.slice(0, end), at);
              buffer = buffer.slice(end + 2);
              if (this.opened) resolve();
            }
          });
          res.on('error', () => {});
        },
      );
      this.request.on('error', reject);
    });
  }

  close(): void {
    this.request?.destroy();
  }

  resetCounts(): void {
    this.heartbeats = 0;
    this.others = 0;
  }

  private frame(text: string, at: number): void {
    if (text.startsWith(':')) return void (this.heartbeats += 1);
    if (text.startsWith('retry:')) return void (this.opened = true);
    const data = /^data: (.*)$/m.exec(text)?.[1];
    const seq = /^id: (\d+)$/m.exec(text)?.[1] ?? '';
    if (!data) return void (this.others += 1);
    if (this.received.has(seq)) this.duplicates += 1;
    else this.received.set(seq, at);
    this.others += 1;
  }
}

async function openStreams(
  targets: { base: string; cookie: string; role: BenchUser['role'] }[],
): Promise<Stream[]> {
  const streams: Stream[] = [];
  for (let i = 0; i < targets.length; i += 50) {
    const batch = targets.slice(i, i + 50).map((t) => {
      const stream = new Stream(t.role);
      streams.push(stream);
      return stream.open(t.base, t.cookie);
    });
    await Promise.all(batch);
  }
  return streams;
}

// ------------------------------------------------------------------------------ changes

interface Ticket {
  id: number;
  version: number;
  status: 'open' | 'pending';
  busy: boolean;
}

/**
 * RATE status changes per second through the app (open ⇄ pending), each ticket at most one
 * change in flight. Answers when each (ticket, version) was requested.
 */
/** Moves a ticket open ⇄ pending; answers whether the change was made. */
type Change = (t: Ticket, to: Ticket['status']) => Promise<boolean>;

/** Through the app, as a person would: the status form of the ticket page. */
function throughApp(base: string, writer: { cookie: string; csrf: string }): Change {
  return async (t, to) => {
    const res = await fetch(`${base}/tickets/${t.id}/status`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        ...PROXY,
        cookie: writer.cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: writer.csrf, status: to, version: String(t.version) }),
    }).catch(() => null);
    await res?.arrayBuffer();
    return res?.status === 303;
  };
}

/** Straight to the database: the rate holds even when the machine cannot serve the app's writes. */
function throughSql(pool: pg.Pool): Change {
  return async (t, to) => {
    const { rowCount } = await pool.query(
      `UPDATE support_tickets SET status = $3::"TicketStatus", version = version + 1,
              updated_at = now() WHERE id = $1 AND version = $2`,
      [t.id, t.version, to],
    );
    return rowCount === 1;
  };
}

async function makeChanges(
  write: Change,
  tickets: Ticket[],
  seconds: number,
): Promise<{ sentAt: Map<string, number>; answerMs: number[]; failed: number }> {
  const sentAt = new Map<string, number>();
  const answerMs: number[] = [];
  let failed = 0;
  let next = 0;
  const inFlight: Promise<void>[] = [];
  const change = async (t: Ticket) => {
    t.busy = true;
    const to = t.status === 'open' ? 'pending' : 'open';
    const key = `ticket.updated:${t.id}:${t.version + 1}`;
    sentAt.set(key, performance.now());
    const made = await write(t, to).catch(() => false);
    answerMs.push(performance.now() - sentAt.get(key)!);
    if (made) {
      t.version += 1;
      t.status = to;
    } else failed += 1;
    t.busy = false;
  };
  const total = Math.round(RATE * seconds);
  const start = performance.now();
  for (let k = 0; k < total; k++) {
    const due = start + (k * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    let tries = 0;
    while (tickets[next % tickets.length].busy && tries++ < tickets.length) next += 1;
    const ticket = tickets[next++ % tickets.length];
    if (ticket.busy) {
      failed += 1;
      continue;
    }
    inFlight.push(change(ticket));
  }
  await Promise.all(inFlight);
  return { sentAt, answerMs, failed };
}

// ------------------------------------------------------------------------------ one scenario

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface ScenarioResult {
  name: string;
  streams: number;
  instances: number;
  changesCommitted: number;
  changesFailed: number;
  deliveries: number;
  expectedDeliveries: number;
  streamsMissingEvents: number;
  duplicateFrames: number;
  misaddressedFrames: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** From sending the change's HTTP request: includes the app's time to make the change. */
  fromRequestMs: { p50: number; p95: number };
  /** How long the app took to answer the change requests. */
  changeAnswerP95Ms: number;
  rssKbPerStream: number[];
  rssMb: { before: number; streamsOpen: number; afterLoad: number }[];
  idle: { seconds: number; nonHeartbeatFrames: number; minHeartbeatsPerStream: number };
}

async function scenario(
  name: string,
  options: {
    pool: pg.Pool;
    url: string;
    instances: Instance[];
    sessions: { cookie: string; role: BenchUser['role'] }[];
    writer: { cookie: string; csrf: string };
    tickets: Ticket[];
  },
): Promise<ScenarioResult> {
  const { pool, url, instances, sessions, writer, tickets } = options;
  say(`\n${name}: ${STREAMS} streams on ${instances.length} instance(s)`);
  const pids = instances.map((i) => i.child.pid!);
  // Warm-up (JIT, pools, caches, socket buffers): a tenth of the streams on every instance and
  // two seconds of changes, not measured, so a fresh instance's growth is not put on its streams.
  const warmTargets = instances.flatMap((i) =>
    Array.from({ length: Math.ceil(STREAMS / 10) }, (_, k) => ({
      base: i.base,
      ...sessions[k % sessions.length],
    })),
  );
  const warm = await openStreams(warmTargets);
  const write = WRITES === 'sql' ? throughSql(pool) : throughApp(instances[0].base, writer);
  await makeChanges(write, tickets, 2);
  for (const s of warm) s.close();
  await sleep(2_000);
  const before = await Promise.all(pids.map(settledRssKb));
  const targets = Array.from({ length: STREAMS }, (_, k) => ({
    base: instances[k % instances.length].base,
    ...sessions[Math.floor(k / TABS_PER_USER) % sessions.length],
  }));
  const t0 = performance.now();
  const streams = await openStreams(targets);
  say(`  ${streams.length} streams open in ${Math.round(performance.now() - t0)} ms`);
  await sleep(2_000);
  const open = await Promise.all(pids.map(settledRssKb));
  const perInstance = instances.map(
    (_, i) => streams.filter((_, k) => k % instances.length === i).length,
  );
  const rssKbPerStream = open.map((kb, i) => round((kb - before[i]) / perInstance[i], 1));
  say(`  RSS growth per stream: ${rssKbPerStream.map((kb) => `${kb} KB`).join(', ')}`);

  // Idle: nothing is committed, so nothing but heartbeats may arrive.
  for (const s of streams) s.resetCounts();
  await sleep(IDLE_SECONDS * 1_000);
  const idle = {
    seconds: IDLE_SECONDS,
    nonHeartbeatFrames: streams.reduce((n, s) => n + s.others, 0),
    minHeartbeatsPerStream: Math.min(...streams.map((s) => s.heartbeats)),
  };
  say(
    `  idle ${IDLE_SECONDS} s: ${idle.nonHeartbeatFrames} frames other than heartbeats, ` +
      `≥ ${idle.minHeartbeatsPerStream} heartbeats per stream (every ${HEARTBEAT_SECONDS} s)`,
  );

  const { rows } = await pool.query<{ max: string | null }>(
    'SELECT max(seq)::text AS max FROM live.events',
  );
  const fromSeq = Number(rows[0].max ?? 0);
  // The bench's own LISTEN connection sees each commit as the app's does: the reference point.
  const committedAt = new Map<string, number>();
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  listener.on('notification', (message) => {
    const seq = /"seq"\s*:\s*(\d+)/.exec(message.payload ?? '')?.[1];
    if (seq) committedAt.set(seq, performance.now());
  });
  await listener.query('LISTEN caredesk_live');
  const through = WRITES === 'sql' ? 'straight into the database' : `through ${instances[0].base}`;
  say(`  committing ${RATE} changes/s for ${SECONDS} s ${through}`);
  const { sentAt, answerMs, failed } = await makeChanges(write, tickets, SECONDS);
  await sleep(3_000);
  await listener.end();
  const afterLoad = pids.map(rssKb);

  // What actually committed, from the database's own log of announcements.
  const committed = await pool.query<{ seq: string; key: string }>(
    `SELECT seq::text, kind || ':' || record_id || ':' || version AS key FROM live.events
      WHERE seq > $1 AND kind = 'ticket.updated' AND record_id = ANY($2::int[])`,
    [fromSeq, tickets.map((t) => t.id)],
  );
  const events = committed.rows;
  const staff = streams.filter((s) => s.role !== 'doctor');
  const latencies: number[] = [];
  const fromRequest: number[] = [];
  let deliveries = 0;
  let missing = 0;
  for (const s of staff) {
    let got = 0;
    for (const { seq, key } of events) {
      const at = s.received.get(seq);
      if (at === undefined) continue;
      got += 1;
      const commit = committedAt.get(seq);
      if (commit !== undefined) latencies.push(at - commit);
      const sent = sentAt.get(key);
      if (sent !== undefined) fromRequest.push(at - sent);
    }
    deliveries += got;
    if (got < events.length) missing += 1;
  }
  const misaddressed = streams
    .filter((s) => s.role === 'doctor')
    .reduce((n, s) => n + events.filter((e) => s.received.has(e.seq)).length, 0);
  latencies.sort((a, b) => a - b);
  fromRequest.sort((a, b) => a - b);
  answerMs.sort((a, b) => a - b);
  for (const s of streams) s.close();
  const result: ScenarioResult = {
    name,
    streams: streams.length,
    instances: instances.length,
    changesCommitted: events.length,
    changesFailed: failed,
    deliveries,
    expectedDeliveries: events.length * staff.length,
    streamsMissingEvents: missing,
    duplicateFrames: streams.reduce((n, s) => n + s.duplicates, 0),
    misaddressedFrames: misaddressed,
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p95: round(percentile(latencies, 95)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies[latencies.length - 1] ?? 0),
    },
    fromRequestMs: {
      p50: round(percentile(fromRequest, 50)),
      p95: round(percentile(fromRequest, 95)),
    },
    changeAnswerP95Ms: round(percentile(answerMs, 95)),
    rssKbPerStream,
    rssMb: pids.map((_, i) => ({
      before: round(before[i] / 1024),
      streamsOpen: round(open[i] / 1024),
      afterLoad: round(afterLoad[i] / 1024),
    })),
    idle,
  };
  say(
    `  ${events.length} events committed (${failed} not made), ${deliveries}/${result.expectedDeliveries} ` +
      `deliveries to ${staff.length} staff streams, ${missing} streams missing any, ` +
      `${result.duplicateFrames} duplicates, ${misaddressed} to the ${streams.length - staff.length} doctors' streams`,
  );
  say(
    `  delivery (commit → stream) p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, ` +
      `p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms; ` +
      `from the change request p50 ${result.fromRequestMs.p50} ms, p95 ${result.fromRequestMs.p95} ms ` +
      `(the change requests' own answers p95 ${result.changeAnswerP95Ms} ms)`,
  );
  say(
    `  RSS MB (before → streams open → after load): ${result.rssMb
      .map((r) => `${r.before} → ${r.streamsOpen} → ${r.afterLoad}`)
      .join('; ')}`,
  );
  return result;
}

// ------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL must name a migrated, seeded bench database.');
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const instances: Instance[] = [];
  try {
    const userCount = Math.ceil(STREAMS / TABS_PER_USER);
    const users: BenchUser[] = Array.from({ length: userCount }, (_, k) => ({
      email: `live-bench-${k + 1}@bench.invalid`,
      role: k % DOCTOR_EVERY === DOCTOR_EVERY - 1 ? 'doctor' : 'agent',
    }));
    const writerUser: BenchUser = { email: 'live-bench-writer@bench.invalid', role: 'supervisor' };
    await ensureUsers(pool, [...users, writerUser]);
    // Each ticket has one change in flight at most: enough of them that slow answers do not
    // hold the rate back.
    const ticketRows = await pool.query<Ticket>(
      `SELECT id, version, status FROM support_tickets WHERE status IN ('open', 'pending')
        ORDER BY id DESC LIMIT $1`,
      [RATE * 10],
    );
    const tickets = ticketRows.rows.map((t) => ({ ...t, busy: false }));
    if (tickets.length < RATE) throw new Error('The bench database needs open or pending tickets.');

    instances.push(await startInstance(url));
    const a = instances[0];
    const t0 = performance.now();
    const sessions: { cookie: string; role: BenchUser['role'] }[] = [];
    for (let i = 0; i < users.length; i += 10) {
      const batch = users.slice(i, i + 10);
      const signed = await Promise.all(batch.map((u) => signIn(a.base, u.email)));
      signed.forEach((s, k) => sessions.push({ cookie: s.cookie, role: batch[k].role }));
    }
    const writer = await signIn(a.base, writerUser.email);
    say(`${sessions.length} bench users signed in (${Math.round(performance.now() - t0)} ms)`);

    const one = await scenario('One instance', {
      pool,
      url,
      instances: [a],
      sessions,
      writer,
      tickets,
    });
    instances.push(await startInstance(url));
    const two = await scenario('Two instances on one database', {
      pool,
      url,
      instances,
      sessions,
      writer,
      tickets,
    });

    const scenarios = [one, two];
    const checks = scenarios.flatMap((s) => [
      {
        target: `${s.name}: ${RATE} changes/s committed (${WRITES})`,
        pass: s.changesCommitted >= 0.95 * RATE * SECONDS,
        value: `${round(s.changesCommitted / SECONDS)}/s`,
      },
      {
        target: `${s.name}: delivery p95 < 300 ms`,
        pass: s.latencyMs.p95 < 300,
        value: `${s.latencyMs.p95} ms`,
      },
      {
        target: `${s.name}: every stream got every event addressed to it, once`,
        pass:
          s.deliveries === s.expectedDeliveries &&
          s.duplicateFrames === 0 &&
          s.misaddressedFrames === 0 &&
          s.changesCommitted > 0,
        value: `${s.deliveries}/${s.expectedDeliveries}, ${s.duplicateFrames} duplicates, ${s.misaddressedFrames} misaddressed`,
      },
      {
        target: `${s.name}: RSS grows < 50 KB per stream`,
        pass: s.rssKbPerStream.every((kb) => kb < 50),
        value: s.rssKbPerStream.map((kb) => `${kb} KB`).join(', '),
      },
      {
        target: `${s.name}: idle streams get only heartbeats`,
        pass: s.idle.nonHeartbeatFrames === 0 && s.idle.minHeartbeatsPerStream >= 1,
        value: `${s.idle.nonHeartbeatFrames} other frames in ${s.idle.seconds} s`,
      },
    ]);
    say('');
    for (const c of checks) say(`${c.pass ? 'PASS' : 'FAIL'}  ${c.target}: ${c.value}`);
    const out = process.env.BENCH_EXTRA_OUT;
    if (out) {
      const figures = {
        at: new Date().toISOString(),
        rate: RATE,
        seconds: SECONDS,
        writes: WRITES,
        scenarios,
      };
      writeFileSync(out, JSON.stringify({ ...figures, checks }, null, 2) + '\n');
      say(`Wrote ${out}`);
    }
  } finally {
    await Promise.all(instances.map(stopInstance));
    await pool.end();
  }
}

main().catch((error) => {
  process.stderr.write(`live bench: ${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
