import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { StartupError } from '../errors.js';
import { projectRoot as root } from '../paths.js';

const prismaCli = path.join(
  path.dirname(createRequire(import.meta.url).resolve('prisma/package.json')),
  'build',
  'index.js',
);

const migrationsDir = path.join(root, 'prisma', 'migrations');

/** Each migration folder's name with the SHA-256 of its migration.sql, as Prisma records it. */
function localMigrations(): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of readdirSync(migrationsDir)) {
    const file = path.join(migrationsDir, name, 'migration.sql');
    if (existsSync(file))
      found.set(name, createHash('sha256').update(readFileSync(file)).digest('hex'));
  }
  return found;
}

/**
 * True when the database already holds every local migration, finished, with the same checksum
 * and none failed. Then the start skips Prisma's CLI (a second process and a WebAssembly engine,
 * seconds on a small machine); anything else, including no migrations table, goes to the CLI.
 */
export async function isUpToDate(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ name: string; checksum: string; done: boolean }>(
      `SELECT migration_name AS name, checksum, finished_at IS NOT NULL AS done
         FROM _prisma_migrations WHERE rolled_back_at IS NULL`,
    );
    if (rows.some((row) => !row.done)) return false;
    const applied = new Map(rows.map((row) => [row.name, row.checksum]));
    return [...localMigrations()].every(([name, checksum]) => applied.get(name) === checksum);
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Applies pending migrations with Prisma's own `migrate deploy` (skipped when none are). */
export async function migrate(databaseUrl: string): Promise<void> {
  if (await isUpToDate(databaseUrl)) return;
  return deploy(databaseUrl);
}

function deploy(databaseUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [prismaCli, 'migrate', 'deploy'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const reason =
        output.split('\n').find((line) => /error|P\d{4}/i.test(line)) ??
        output.trim().split('\n').pop();
      reject(new StartupError(`Database migration failed: ${reason?.trim()}`));
    });
  });
}
