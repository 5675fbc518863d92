// `npm run build` (also run by postinstall, and by `npm start` when src/ changed since): compiles
// src/ to dist/ with esbuild. Types are checked by `npm run typecheck`, not here, so
// a build takes about a second and a start never waits on a type checker.
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const srcDir = path.join(root, 'src');
const distDir = path.join(root, 'dist');
const stampFile = path.join(distDir, '.built');

/** Every .ts file under src/ (the generated Prisma client included). */
function sources() {
  return readdirSync(srcDir, { recursive: true })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => path.join(srcDir, file));
}

/** True when dist/ is missing, older than a source file, or a source was added or removed. */
export function isStale() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return true;
  }
  const files = sources();
  if (files.length !== stamp.files) return true;
  return files.some((file) => statSync(file).mtimeMs > stamp.builtAt);
}

export async function build() {
  const { build: esbuild } = await import('esbuild');
  const files = sources();
  const builtAt = Date.now();
  rmSync(distDir, { recursive: true, force: true });
  // One bundle of our own code (loading a hundred and more small modules is much of a start);
  // the app is a chunk of its own, loaded while the database starts. Packages stay as they are.
  await esbuild({
    entryPoints: [path.join(srcDir, 'server.ts')],
    outdir: distDir,
    bundle: true,
    splitting: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  writeFileSync(stampFile, JSON.stringify({ builtAt, files: files.length }) + '\n');
  return files.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const count = await build();
  process.stdout.write(`Built ${count} files into dist/ in ${Date.now() - started} ms.\n`);
}
