import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.js';
import { StartupError } from '../errors.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { migrate } from './migrate.js';

export interface DatabaseTarget {
  url: string;
  embedded?: EmbeddedPostgres;
  stop(): Promise<void>;
}

/** host:port/database, never the credentials. */
function describeServer(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}/${u.pathname.slice(1)}`;
  } catch {
    return 'the configured server';
  }
}

function describeConnectionError(error: unknown, url: string): string {
  const code = (error as { code?: string })?.code;
  const where = describeServer(url);
  if (code === 'ECONNREFUSED')
    return `Cannot reach PostgreSQL at ${where}: nothing is listening. Check DATABASE_URL or unset it to use the embedded database.`;
  if (code === 'ENOTFOUND') return `Cannot resolve the host in DATABASE_URL (${where}).`;
  if (code === '28P01' || code === '28000')
    return `PostgreSQL at ${where} refused the credentials in DATABASE_URL.`;
  if (code === '3D000')
    return `Database in DATABASE_URL does not exist at ${where}: create it first.`;
  return `Cannot connect to PostgreSQL at ${where}: ${(error as Error)?.message ?? error}`;
}

export async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new StartupError(describeConnectionError(error, url));
  } finally {
    await client.end().catch(() => {});
  }
}

/** The configured server, or the embedded one under DATA_DIR; migrated either way. */
export async function prepareDatabase(
  config: Config,
  log: (line: string) => void,
): Promise<DatabaseTarget> {
  let target: DatabaseTarget;
  if (config.DATABASE_URL) {
    target = { url: config.DATABASE_URL, stop: async () => {} };
    log(`Database: PostgreSQL server at ${describeServer(config.DATABASE_URL)} (DATABASE_URL)`);
  } else {
    const embedded = await startEmbeddedPostgres({
      dataDir: config.DATA_DIR,
      relocateIfUnreachable: !config.dataDirChosen,
      log,
    });
    // prisma.config.ts reads this so plain `npx prisma ...` reaches the running embedded server.
    const urlFile = path.join(config.DATA_DIR, 'database-url');
    writeFileSync(urlFile, embedded.url, { mode: 0o600 });
    target = {
      url: embedded.url,
      embedded,
      stop: async () => {
        rmSync(urlFile, { force: true });
        await embedded.stop();
      },
    };
  }
  try {
    await assertReachable(target.url);
    await migrate(target.url);
  } catch (error) {
    await target.stop();
    throw error;
  }
  return target;
}
