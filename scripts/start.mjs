// `npm start`: runs the compiled app in dist/, rebuilding it first when src/ changed since the
// last build (a checkout, a pull, an edit), so the JavaScript that runs is always the source's.
import { build, isStale } from './build.mjs';

if (isStale()) {
  const started = Date.now();
  const count = await build();
  process.stdout.write(`Compiled ${count} source files in ${Date.now() - started} ms.\n`);
}
await import('../dist/server.js');
