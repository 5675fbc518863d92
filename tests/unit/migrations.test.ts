import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const prismaCli = path.join(
  path.dirname(createRequire(import.meta.url).resolve('prisma/package.json')),
  'build',
  'index.js',
);

async function diff(...args: string[]): Promise<{ code: number; output: string }> {
  const { adminUrl } = inject('database');
  try {
    const { stdout } = await run(
      process.execPath,
      [prismaCli, 'migrate', 'diff', ...args, '--to-schema', 'prisma/schema.prisma', '--exit-code'],
      {
        env: { ...process.env, DATABASE_URL: adminUrl },
      },
    );
    return { code: 0, output: stdout };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, output: failure.stdout + failure.stderr };
  }
}

describe('prisma/migrations and schema.prisma', () => {
  it('when every migration is replayed, then it yields exactly the schema (no drift)', async () => {
    const result = await diff('--from-migrations', 'prisma/migrations');
    expect(result.output).not.toContain('Error');
    expect(result.code).toBe(0);
  }, 60_000);

  it('when compared with an empty database, then the drift check does detect a difference', async () => {
    const result = await diff('--from-empty');
    expect(result.code).toBe(2);
  }, 60_000);
});
