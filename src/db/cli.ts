// `npm run db:migrate`, `npm run db:seed [-- --reset]` and `npm run db:add-admin -- --email … --name …`,
// on DATABASE_URL or the embedded server.
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../auth/passwords.js';
import { loadConfig } from '../config.js';
import { StartupError } from '../errors.js';
import { prepareDatabase } from './bootstrap.js';
import { connectDatabase, type Db } from './client.js';
import { isEmpty, resetData, seedDemo } from './seed/demo.js';

const say = (line: string) => process.stdout.write(line + '\n');

async function main(): Promise<void> {
  const [command, ...flags] = process.argv.slice(2);
  if (command !== 'migrate' && command !== 'seed' && command !== 'add-admin') {
    throw new StartupError('usage: cli.ts migrate | seed [--reset] [--scale large] | add-admin --email E --name N');
  }
  const config = loadConfig();
  const target = await prepareDatabase(config, say);
  say('Migrations applied.');
  if (command === 'migrate') return target.stop();

  const database = connectDatabase(target.url);
  try {
    if (command === 'add-admin') {
      await addAdmin(database.prisma, flagValue(flags, '--email'), flagValue(flags, '--name'));
    } else if (flags.includes('--scale')) {
      const { seedLarge } = await import('./seed/large.js');
      await seedLarge(database.prisma, database.pool, flags[flags.indexOf('--scale') + 1]);
    } else {
      if (flags.includes('--reset')) {
        if (config.NODE_ENV === 'production') throw new StartupError('Refusing to reset data with NODE_ENV=production.');
        await resetData(database.prisma);
        say('All data removed.');
      } else if (!(await isEmpty(database.prisma))) {
        throw new StartupError('The database already has data: run `npm run db:seed -- --reset` to rebuild the demo.');
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

function flagValue(flags: string[], name: string): string {
  const value = flags[flags.indexOf(name) + 1];
  if (!flags.includes(name) || !value || value.startsWith('--')) throw new StartupError(`add-admin needs ${name}`);
  return value.trim();
}

/** The first admin of a real installation: a random password, printed once, to change after sign-in. */
async function addAdmin(db: Db, email: string, name: string): Promise<void> {
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new StartupError(`add-admin: ${email} is not an email address`);
  if (await db.user.findUnique({ where: { email: email.toLowerCase() }, select: { id: true } })) {
    throw new StartupError(`add-admin: an account for ${email} already exists`);
  }
  const password = randomBytes(15).toString('base64url');
  const passwordHash = await hashPassword(password);
  await db.user.create({ data: { email: email.toLowerCase(), name, role: 'admin', passwordHash } });
  say(`Admin ${email} created. Password (shown once): ${password}`);
}

main().catch((error) => {
  process.stderr.write(`caredesk: ${error instanceof StartupError ? error.message : (error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
