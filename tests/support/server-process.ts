import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { projectRoot } from '../../src/paths.js';

/**
 * The real server (`node --import tsx src/server.ts`) as a child process on a private database:
 * its own embedded PostgreSQL in a fresh DATA_DIR, or — when the test process has DATABASE_URL
 * (CI's second run) — a fresh database on that server. It can be SIGKILLed and restarted on the
 * same data; the session secret is fixed, so cookies survive restarts.
 */
export interface ServerProcess {
  /** http://127.0.0.1:<port> of the running instance (changes on restart). */
  readonly url: string;
  /** The database the running instance uses (the embedded port changes on restart). */
  readonly databaseUrl: string;
  readonly dataDir: string;
  /** True when the child runs its own embedded PostgreSQL. */
  readonly embedded: boolean;
  /** Everything the current instance printed. */
  output(): string;
  /** The embedded postmaster's pid (from DATA_DIR/pg/postmaster.pid), if one is running. */
  postmasterPid(): number | undefined;
  /** SIGKILL the node process only; an embedded PostgreSQL is left orphaned, as after a real crash of the app. */
  killServer(): Promise<void>;
  /** SIGKILL the node process and its embedded PostgreSQL together (a power cut, minus the OS cache). */
  killAll(): Promise<void>;
  /** Starts the server again on the same data; resolves when it is ready. */
  restart(): Promise<void>;
  /** SIGTERM, make sure no PostgreSQL for DATA_DIR is left, drop the external database, remove DATA_DIR. */
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  seedDemo?: 'auto' | 'true' | 'never';
  /** Extra environment; `undefined` removes a variable the helper would set. */
  env?: Record<string, string | undefined>;
  /** A fresh database on a PostgreSQL server (DATABASE_URL's, else the test run's) instead of an embedded one. */
  onServer?: boolean;
  /** How long a start may take before it counts as failed. */
  startTimeoutMs?: number;
}

export const SERVER_SESSION_SECRET = 'resilience-session-secret-0123456789abcdef';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/' + database;
  return parsed.toString();
}

/** The postmaster pid in DATA_DIR/pg/postmaster.pid, only if that process is a postgres on this data dir. */
function readPostmaster(pgData: string): number | undefined {
  const file = path.join(pgData, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('postgres') && cmdline.includes(pgData) ? pid : undefined;
  } catch {
    return os.platform() === 'linux' ? undefined : pid;
  }
}

export async function startServerProcess(
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'caredesk-proc-'));
  chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres OS user when we are root
  const pgData = path.join(dataDir, 'pg');
  const externalAdmin =
    process.env.DATABASE_URL ?? (options.onServer ? inject('database').adminUrl : undefined);
  let externalName: string | undefined;
  let externalUrl: string | undefined;
  if (externalAdmin) {
    externalName = `caredesk_proc_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: externalAdmin });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${externalName}"`);
    await admin.end();
    externalUrl = withDatabase(externalAdmin, externalName);
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    SEED_DEMO: options.seedDemo ?? 'auto',
    // Demo accounts sign in with a password alone (on a DATABASE_URL server too); journeys that
    // exercise two-factor set this themselves.
    MFA_REQUIRED_ROLES: '',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SESSION_SECRET: SERVER_SESSION_SECRET,
  };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  delete env.DATABASE_URL;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  if (externalUrl) env.DATABASE_URL = externalUrl;

  let child: ChildProcess | undefined;
  let out = '';
  let url = '';
  let databaseUrl = externalUrl ?? '';

  const start = () =>
    new Promise<void>((resolve, reject) => {
      out = '';
      // Its own process group, so killAll() reaches the embedded PostgreSQL (started by the child) as well.
      const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: projectRoot,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      const timer = setTimeout(
        () => fail(new Error(`server not ready after ${options.startTimeoutMs ?? 90_000} ms`)),
        options.startTimeoutMs ?? 90_000,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(new Error(`${error.message}\n--- server output ---\n${out}`));
      };
      proc.stdout!.setEncoding('utf8');
      proc.stderr!.setEncoding('utf8');
      proc.stderr!.on('data', (chunk: string) => (out += chunk));
      proc.stdout!.on('data', (chunk: string) => {
        out += chunk;
        const match = /CareDesk ready in \d+ ms at http:\/\/localhost:(\d+)/.exec(out);
        if (match && !url) {
          url = `http://127.0.0.1:${match[1]}`;
          if (!externalUrl)
            databaseUrl = readFileSync(path.join(dataDir, 'database-url'), 'utf8').trim();
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('error', fail);
      proc.once('exit', (code, signal) => {
        if (!url)
          fail(new Error(`server exited before it was ready (code ${code}, signal ${signal})`));
      });
    });

  const waitExit = (proc: ChildProcess | undefined) =>
    new Promise<void>((resolve) => {
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
    });

  const stopPostgres = async () => {
    const pid = readPostmaster(pgData);
    if (!pid) return;
    process.kill(pid, 'SIGINT'); // fast shutdown
    if (!(await waitGone(pid, 15_000))) {
      process.kill(pid, 'SIGKILL');
      await waitGone(pid, 5_000);
    }
  };

  try {
    await start();
  } catch (error) {
    if (child?.pid && alive(child.pid)) process.kill(-child.pid, 'SIGKILL');
    await stopPostgres();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  return {
    get url() {
      return url;
    },
    get databaseUrl() {
      return databaseUrl;
    },
    dataDir,
    embedded: !externalUrl,
    output: () => out,
    postmasterPid: () => readPostmaster(pgData),
    async killServer() {
      const proc = child;
      proc?.kill('SIGKILL');
      await waitExit(proc);
      url = '';
    },
    async killAll() {
      const proc = child;
      const postmaster = readPostmaster(pgData);
      if (proc?.pid) process.kill(-proc.pid, 'SIGKILL');
      await waitExit(proc);
      if (postmaster) await waitGone(postmaster, 10_000);
      url = '';
    },
    async restart() {
      url = '';
      await start();
    },
    async stop() {
      const proc = child;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const exited = await Promise.race([
          waitExit(proc).then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 20_000)),
        ]);
        if (!exited && proc.pid) process.kill(-proc.pid, 'SIGKILL');
        await waitExit(proc);
      }
      url = '';
      await stopPostgres();
      if (externalAdmin && externalName) {
        const admin = new pg.Client({ connectionString: externalAdmin });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS "${externalName}" WITH (FORCE)`);
        await admin.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A minimal cookie jar over fetch: one per simulated browser. */
export class Browserish {
  private cookies = new Map<string, string>();
  constructor(public base: () => string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    method: 'GET' | 'POST',
    pathname: string,
    form?: Record<string, string>,
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    const cookie = this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const res = await fetch(this.base() + pathname, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  get(pathname: string) {
    return this.request('GET', pathname);
  }

  post(pathname: string, form: Record<string, string>) {
    return this.request('POST', pathname, form);
  }
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('No CSRF token on the page');
  return match[1];
}

/** Signs a fresh jar in; returns the jar and a CSRF token from a signed-in page. */
export async function signInOver(
  jar: Browserish,
  email: string,
  password: string,
): Promise<string> {
  const page = await jar.get('/login');
  const html = await page.text();
  const res = await jar.post('/login', { _csrf: csrfOf(html), email, password });
  await res.arrayBuffer();
  if (res.status !== 303) throw new Error(`sign-in failed for ${email}: ${res.status}`);
  const home = await jar.get('/');
  return csrfOf(await home.text());
}
