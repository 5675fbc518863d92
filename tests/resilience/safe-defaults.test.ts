import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function userCount(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
    return rows[0].n;
  } finally {
    await client.end();
  }
}

describe('starting on a PostgreSQL server', () => {
  it('when DATABASE_URL names an empty database and NODE_ENV is unset, then no demo accounts are made', async () => {
    server = await startServerProcess({
      onServer: true,
      env: { NODE_ENV: undefined, SEED_DEMO: undefined },
    });
    expect(await userCount(server.databaseUrl)).toBe(0);
    const output = server.output();
    expect(output).toMatch(/Database: PostgreSQL server at [^\s]+ \(DATABASE_URL\)/);
    expect(output).toContain('Mode: development\n');
    expect(output).toContain('No accounts yet');
    expect(output).not.toContain('caredesk-demo');
    // A real server process: start-up includes migrating the database.
  }, 120_000);
});
