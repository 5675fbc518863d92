// `npm run db:migrate`, `npm run db:seed [-- --reset]`, `npm run db:add-admin -- --email … --name …` and
// `npm run audit:verify [-- --anchor SEQ:HASH]`, on DATABASE_URL or the embedded server.
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../auth/passwords.js';
import { loadConfig } from '../config.js';
import { StartupError } from '../errors.js';
import { verifyChain } from '../modules/audit/chain.js';
import { prepareDatabase, type DatabaseTarget } from './bootstrap.js';
import { connectDatabase, type Db } from './client.js';
import { isEmpty, resetData, seedDemo } from './seed/demo.js';

const say = (line: string) => process.stdout.write(line + '\n');

async function main(): Promise<void> {
  const [command, ...flags] = process.argv.slice(2);
  if (!['migrate', 'seed', 'add-admin', 'audit-verify'].includes(command)) {
    throw new StartupError(
      'usage: cli.ts migrate | seed [--reset] [--scale large] | add-admin --email E --name N | audit-verify [--anchor SEQ:HASH]',
    );
  }
  const config = loadConfig();
  const target = await prepareDatabase(config, say);
  say('Migrations applied.');
  if (command === 'migrate') return target.stop();
  if (command === 'audit-verify') return verifyAudit(target, flags);

  const database = connectDatabase(target.url);
  try {
    if (command === 'add-admin') {
      await addAdmin(database.prisma, flagValue(flags, '--email'), flagValue(flags, '--name'));
    } else if (flags.includes('--scale')) {
      const { seedLarge } = await import('./seed/large.js');
      await seedLarge(database.prisma, database.pool, flags[flags.indexOf('--scale') + 1]);
    } else {
      if (flags.includes('--reset')) {
        if (config.NODE_ENV === 'production')
          throw new StartupError('Refusing to reset data with NODE_ENV=production.');
        await resetData(database.prisma);
        say('All data removed.');
      } else if (!(await isEmpty(database.prisma))) {
        throw new StartupError(
          'The database already has data: run `npm run db:seed -- --reset` to rebuild the demo.',
        );
      }
      const started = Date.now();
      await seedDemo(database.prisma);
      say(`Demo data added in ${Date.now() - started} ms.`);
    }
  } finally {
    await database.close();
    await target.stop();
  }
}

async function verifyAudit(target: DatabaseTarget, flags: string[]): Promise<void> {
  const anchorFlag = flags.includes('--anchor') ? flags[flags.indexOf('--anchor') + 1] : undefined;
  const anchor = anchorFlag?.match(/^(\d+):([0-9a-f]{64})$/);
  if (anchorFlag !== undefined && !anchor) {
    throw new StartupError('--anchor takes SEQ:HASH as printed by a previous run.');
  }
  const database = connectDatabase(target.url, 4);
  try {
    const started = Date.now();
    const verdict = await verifyChain(
      database.pool,
      anchor ? { seq: anchor[1], hash: anchor[2] } : undefined,
    );
    const took = `${verdict.rows} rows checked in ${Date.now() - started} ms`;
    if (!verdict.ok) {
      process.stderr.write(`Audit chain BROKEN at ${verdict.failure!.message}. ${took}.\n`);
      process.exitCode = 1;
      return;
    }
    say(
      `Audit chain intact: ${took}. Record this anchor elsewhere: ${verdict.head.seq}:${verdict.head.hash}`,
    );
  } finally {
    await database.close();
    await target.stop();
  }
}

function flagValue(flags: string[], name: string): string {
  const value = flags[flags.indexOf(name) + 1];
  if (!flags.includes(name) || !value || value.startsWith('--'))
    throw new StartupError(`add-admin needs ${name}`);
  return value.trim();
}

/** The first admin of a real installation: a random password, printed once, to change after sign-in. */
async function addAdmin(db: Db, email: string, name: string): Promise<void> {
  if (!/^[^\s@]+@[^\s@]+$/.test(email))
    throw new StartupError(`add-admin: ${email} is not an email address`);
  if (await db.user.findUnique({ where: { email: email.toLowerCase() }, select: { id: true } })) {
    throw new StartupError(`add-admin: an account for ${email} already exists`);
  }
  const password = randomBytes(15).toString('base64url');
  const passwordHash = await hashPassword(password);
  await db.user.create({ data: { email: email.toLowerCase(), name, role: 'admin', passwordHash } });
  say(`Admin ${email} created. Password (shown once): ${password}`);
}

main().catch((error) => {
  process.stderr.write(
    `caredesk: ${error instanceof StartupError ? error.message : ((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
