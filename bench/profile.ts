// `npm run bench:profile -- [--scale large] [--seconds 10] [--page /path]`: where a signed-in
// page's time goes (the ticket list by default). Runs the app from source under `node --cpu-prof` against the bench database, loads the
// ticket list at 10 connections, then reads the profile: each sample is charged to the nearest
// frame on its stack that belongs to a known part (session store, passport, CSRF, pg, Prisma's
// client and its WebAssembly query compiler, EJS, …), giving CPU ms per request per part, and
// counts the database's transactions per request (each statement outside a transaction is one).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { prepareDatabase } from '../src/db/bootstrap.js';
import { DEMO_PASSWORD } from '../src/db/seed/demo.js';
import { load } from './load.js';

const flag = (name: string, fallback: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const SCALE = flag('--scale', 'large');
const SECONDS = Number(flag('--seconds', '10'));
const PAGE = flag('--page', '/tickets?view=all&status=open&priority=high');
const say = (line: string) => process.stdout.write(line + '\n');
// Production mode (view cache on, secure cookies) behind an assumed TLS proxy, as in the bench.
const PROXY = { 'x-forwarded-proto': 'https' };

// First match wins, tried on each frame from the sampled one up to the root.
const PARTS: [string, RegExp][] = [
  ['Prisma query compilation (wasm)', /^wasm:|query_compiler/],
  ['Prisma client (plans, results)', /@prisma\/client/],
  ['Prisma pg adapter', /@prisma\/adapter-pg|@prisma\/driver-adapter-utils/],
  ['session read/write', /express-session|connect-pg-simple|src\/http\/session-renewal/],
  ['user check (passport)', /passport|src\/auth\//],
  ['CSRF', /csrf-sync|src\/http\/csrf/],
  ['unread badge', /src\/modules\/notifications/],
  ['pg driver (protocol, parsing)', /node_modules\/pg|pg-protocol|pg-types|pg-pool/],
  [
    'rendering (EJS, formatting)',
    /node_modules\/ejs|src\/lib\/(format|time)|src\/http\/view-engine|views\//,
  ],
  ['ticket module (queries, SLA)', /src\/modules\/tickets/],
  ['other app code', /\/src\//],
  ['Express, helmet, parsers', /node_modules\/(express|router|helmet|body-parser|send|qs|cookie)/],
  ['tsx loader', /node_modules\/tsx/],
];

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  children?: number[];
}

function breakdown(file: string, requests: number): [string, number][] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const parent = new Map<number, ProfileNode>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node);
  const partOf = new Map<number, string>();
  const classify = (node: ProfileNode): string => {
    const known = partOf.get(node.id);
    if (known) return known;
    const name = node.callFrame.functionName;
    let part = ['(idle)', '(garbage collector)', '(program)'].includes(name) ? name : '';
    for (let n: ProfileNode | undefined = node; !part && n; n = parent.get(n.id)) {
      const url = n.callFrame.url;
      part = PARTS.find(([, pattern]) => pattern.test(url))?.[0] ?? '';
    }
    part ||= 'node internals (sockets, http)';
    partOf.set(node.id, part);
    return part;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, k) => {
    const part = classify(byId.get(id)!);
    totals.set(part, (totals.get(part) ?? 0) + profile.timeDeltas[k] / 1000);
  });
  totals.delete('(idle)');
  return [...totals]
    .map(([part, ms]): [string, number] => [part, Math.round((ms / requests) * 1000) / 1000])
    .sort((a, b) => b[1] - a[1]);
}

async function signIn(base: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const page = await fetch(`${base}/login`, { headers: PROXY });
  keep(page);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...PROXY, 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
    body: new URLSearchParams({
      _csrf: csrf,
      email: 'supervisor@caredesk.test',
      password: DEMO_PASSWORD,
    }).toString(),
  });
  keep(res);
  return cookie();
}

/**
 * CPU time (user + system) the process has used so far, in ms. Only time on a core counts, so
 * unlike the sampled profile (whose samples also land on a thread the busy machine has preempted,
 * often inside a socket write) it does not grow with the machine's load.
 */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "pid (name) ": state is the first; utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

async function transactions(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query(
    'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  await client.end();
  return Number(rows[0].n);
}

const config = loadConfig({
  ...process.env,
  NODE_ENV: 'development',
  DATA_DIR: path.resolve(process.env.DATA_DIR ?? 'data-bench', SCALE),
});
const target = await prepareDatabase(config, say);
const profileDir = mkdtempSync(path.join(os.tmpdir(), 'caredesk-profile-'));
const child = spawn(
  process.execPath,
  ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', 'tsx', 'src/server.ts'],
  {
    env: {
      ...process.env,
      DATABASE_URL: target.url,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      TRUST_PROXY: 'loopback',
      SEED_DEMO: 'never',
      SESSION_SECRET: 'profile-secret-profile-secret-profile-0123',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
try {
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /at http:\/\/localhost:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error(output)));
  });
  const base = `http://127.0.0.1:${port}`;
  const headers = { ...PROXY, cookie: await signIn(base) };
  const url = base + PAGE;
  await load({ url, headers, connections: 10, seconds: 3, pid: child.pid! }); // warm-up
  const before = await transactions(target.url);
  const cpuBefore = cpuMs(child.pid!);
  const measured = await load({ url, headers, connections: 10, seconds: SECONDS, pid: child.pid! });
  const onCpu = (cpuMs(child.pid!) - cpuBefore) / measured.ok;
  const roundTrips = ((await transactions(target.url)) - before) / measured.ok;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'))!;
  // The warm-up's requests are in the profile too.
  const requests = measured.ok + Math.round((measured.ok / SECONDS) * 3);
  say(
    `${PAGE}: ${measured.requestsPerSec} req/s, p95 ${measured.p95} ms, ${measured.failures} failures`,
  );
  say(`Database transactions per request: ${roundTrips.toFixed(2)}`);
  say(`App process on-CPU time per request (user + system): ${onCpu.toFixed(2)} ms`);
  say('\n| part | CPU ms per request |\n|---|---|');
  const parts = breakdown(path.join(profileDir, file), requests);
  for (const [part, ms] of parts) say(`| ${part} | ${ms.toFixed(2)} |`);
  say(`| **total** | ${parts.reduce((sum, [, ms]) => sum + ms, 0).toFixed(2)} |`);
  say(`Profile: ${path.join(profileDir, file)}`);
} finally {
  if (child.exitCode === null) child.kill('SIGTERM');
  await target.stop();
}
