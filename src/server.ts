import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type pg from 'pg';
import type { Express } from 'express';
import { loadConfig, type Config } from './config.js';
import { connectDatabase } from './db/client.js';
import { prepareDatabase } from './db/bootstrap.js';
import { DEMO_EMAILS, DEMO_PASSWORD, seedDemo } from './db/seed/demo.js';
import { StartupError } from './errors.js';
import { createHttpServer } from './http/http-server.js';
import { logger } from './logger.js';
import { startSlaWatch } from './modules/notifications/sla-watch.js';

const say = (line: string) => process.stdout.write(line + '\n');

/**
 * Demo accounts share a published password, so they are only made on the embedded default or
 * when asked (SEED_DEMO=true, or `npm run db:seed`), never because a server's database is empty.
 */
function demoSeedWanted(config: Config): boolean {
  if (config.SEED_DEMO === 'true') return true;
  return config.SEED_DEMO === 'auto' && !config.DATABASE_URL && config.NODE_ENV !== 'production';
}

// Development sessions survive restarts: keep a random secret beside the embedded data.
function developmentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  try {
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  } catch (error) {
    throw new StartupError(
      `Data directory ${dataDir} is not writable (${(error as NodeJS.ErrnoException).code}): choose another with DATA_DIR.`,
    );
  }
}

/** How many accounts there are, and how many are demo accounts (plain SQL: no Prisma at start). */
async function accounts(pool: pg.Pool): Promise<{ all: number; demo: number }> {
  const { rows } = await pool.query<{ all: number; demo: number }>(
    'SELECT count(*)::int AS all, count(*) FILTER (WHERE email = ANY($1))::int AS demo FROM users',
    [DEMO_EMAILS],
  );
  return rows[0];
}

function listen(app: Express, config: Config): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createHttpServer(app).listen(config.PORT, config.HOST);
    server.once('listening', () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(
          new StartupError(
            `Port ${config.PORT} is already in use: stop the other process or set PORT.`,
          ),
        );
      else if (error.code === 'EACCES')
        reject(
          new StartupError(
            `Not allowed to listen on port ${config.PORT}: choose a port above 1024 with PORT.`,
          ),
        );
      else reject(error);
    });
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig(process.env, () =>
    developmentSecret(path.resolve(process.env.DATA_DIR ?? 'data')),
  );
  // The app's modules load while the embedded server starts and the migrations are checked.
  const appModule = import('./app.js');
  appModule.catch(() => {});
  const target = await prepareDatabase(config, say);
  const database = connectDatabase(target.url, config.DB_POOL_SIZE);

  let shuttingDown = false;
  let server: Server | undefined;
  let stopSlaWatch = () => {};
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say(`${signal} received, shutting down`);
    stopSlaWatch();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await database.close();
    await target.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    if (demoSeedWanted(config) && (await accounts(database.pool)).all === 0) {
      say('Empty database: adding demo data');
      await seedDemo(database.prisma);
    }
    const { createApp } = await appModule;
    server = await listen(createApp({ db: database.prisma, pool: database.pool, config }), config);
    stopSlaWatch = startSlaWatch(database.pool, (error) =>
      logger.error('SLA watch failed', { error: String(error) }),
    );
  } catch (error) {
    await database.close();
    await target.stop();
    throw error;
  }

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  say(
    `Mode: ${config.NODE_ENV}${config.showErrorDetails ? ' (error pages show stack traces)' : ''}`,
  );
  const { all, demo } = await accounts(database.pool);
  if (demo > 0) {
    say(`Demo sign-in: agent@caredesk.test (also supervisor@, admin@, doctor@) / ${DEMO_PASSWORD}`);
  } else if (all === 0) {
    say(
      'No accounts yet: `npm run db:add-admin -- --email you@example.org --name "Your Name"` creates the first admin.',
    );
  }
  say(`CareDesk ready in ${Date.now() - started} ms at http://localhost:${port}`);
}

main().catch((error) => {
  const message =
    error instanceof StartupError
      ? error.message
      : `Startup failed: ${(error as Error)?.message ?? error}`;
  process.stderr.write(`caredesk: ${message}\n`);
  process.exit(1);
});
