// `npm run db:migrate` and `npm run db:seed [-- --reset]`, on DATABASE_URL or the embedded server.
import { loadConfig } from '../config.js';
import { StartupError } from '../errors.js';
import { prepareDatabase } from './bootstrap.js';
import { connectDatabase } from './client.js';
import { isEmpty, resetData, seedDemo } from './seed/demo.js';

const say = (line: string) => process.stdout.write(line + '\n');

async function main(): Promise<void> {
  const [command, ...flags] = process.argv.slice(2);
  if (command !== 'migrate' && command !== 'seed') throw new StartupError('usage: cli.ts migrate | seed [--reset] [--scale large]');
  const config = loadConfig();
  const target = await prepareDatabase(config, say);
  say('Migrations applied.');
  if (command === 'migrate') return target.stop();

  const database = connectDatabase(target.url);
  try {
    if (flags.includes('--scale')) {
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

main().catch((error) => {
  process.stderr.write(`caredesk: ${error instanceof StartupError ? error.message : (error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
