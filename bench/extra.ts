// Extra bench scripts: every bench/extra/<name>.ts runs after the main pages as a child process
// (`tsx bench/extra/<name>.ts`) with
//   DATABASE_URL    the bench database, seeded and migrated;
//   BENCH_EXTRA_OUT a JSON file the script writes its figures to;
//   BENCH_SCALE     small | large.
// Its output is shown as it runs; its JSON lands in latest.json under extra.<name>. A script that
// fails is reported (exit code, no figures) without stopping the others.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const tsxCli = path.join(
  path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
  'dist',
  'cli.mjs',
);

export interface ExtraContext {
  databaseUrl: string;
  scale: string;
  say: (line: string) => void;
}

/** BENCH_EXTRAS picks some by name (`tickets,live`) or none (`none`); unset, all run. */
function chosen(name: string): boolean {
  const only = process.env.BENCH_EXTRAS;
  return !only || only.split(',').includes(name);
}

export function extraScripts(dir = path.join('bench', 'extra')): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .filter((file) => chosen(path.basename(file, '.ts')))
    .sort()
    .map((file) => path.join(dir, file));
}

function runOne(script: string, env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsxCli, script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
}

export async function runExtras(ctx: ExtraContext): Promise<Record<string, unknown>> {
  const figures: Record<string, unknown> = {};
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-extra-'));
  try {
    for (const script of extraScripts()) {
      const name = path.basename(script, '.ts');
      const out = path.join(scratch, `${name}.json`);
      ctx.say(`\n== extra: ${name}`);
      const started = performance.now();
      const code = await runOne(script, {
        DATABASE_URL: ctx.databaseUrl,
        BENCH_EXTRA_OUT: out,
        BENCH_SCALE: ctx.scale,
      });
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      let result: unknown = null;
      try {
        result = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : null;
      } catch (error) {
        ctx.say(`extra ${name}: ${out} is not JSON (${(error as Error).message})`);
      }
      if (code !== 0) ctx.say(`extra ${name} failed (exit code ${code}) after ${seconds} s`);
      figures[name] = code === 0 ? result : { failed: true, exitCode: code, figures: result };
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return figures;
}
