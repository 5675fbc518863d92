import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';
import { resolveChromium } from './chromium.js';

declare module 'vitest' {
  export interface ProvidedContext {
    database: { adminUrl: string; template: string };
    chromiumPath: string;
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/' + database;
  return parsed.toString();
}

// One PostgreSQL for the run (embedded, or DATABASE_URL's server); migrations go into a template
// database once, and every test file clones it (see tests/support/db.ts).
export default async function setup(project: TestProject) {
  let embedded: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'caredesk-test-'));
    chmodSync(dataDir, 0o755); // the embedded server may run as the postgres OS user
    embedded = await startEmbeddedPostgres({ dataDir, ephemeral: true });
    adminUrl = embedded.adminUrl;
  }
  const template = `caredesk_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${template}"`);
  await migrate(withDatabase(adminUrl, template));
  project.provide('database', { adminUrl, template });
  project.provide('chromiumPath', (await resolveChromium()).path);

  return async () => {
    const leftovers = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `caredesk_t_${process.pid}_%`,
    ]);
    for (const { datname } of leftovers.rows)
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await admin.end();
    await embedded?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
}
