import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { StartupError } from '../errors.js';
import { projectRoot as root } from '../paths.js';

const prismaCli = path.join(
  path.dirname(createRequire(import.meta.url).resolve('prisma/package.json')),
  'build',
  'index.js',
);

/** Applies pending migrations with Prisma's own `migrate deploy`. */
export function migrate(databaseUrl: string): Promise<void> {
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
