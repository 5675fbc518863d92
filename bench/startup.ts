// `npm run bench:start`: how `npm start` starts and idles. Starts the compiled app twice on the
// embedded default (the first start may initialise and seed the database; the second is the one
// reported), timing spawn to the first healthy /healthz, then reads its RSS after 5 s idle.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const say = (line: string) => process.stdout.write(line + '\n');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 102.4) / 10 : 0;
}

async function startOnce(): Promise<{ healthyMs: number; idleRssMb: number }> {
  const nodeOptions = String(JSON.parse(readFileSync('package.json', 'utf8')).config.node_options);
  const started = performance.now();
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    env: { ...process.env, NODE_OPTIONS: nodeOptions, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  try {
    let port = 0;
    while (!port) {
      if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`);
      port = Number(/at http:\/\/localhost:(\d+)/.exec(output)?.[1] ?? 0);
      if (!port) await sleep(5);
    }
    let healthyMs = 0;
    while (!healthyMs) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
      if (res?.ok) healthyMs = Math.round(performance.now() - started);
      else await sleep(5);
    }
    await sleep(5_000);
    return { healthyMs, idleRssMb: rssMb(child.pid!) };
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const first = await startOnce();
const second = await startOnce();
say(`First start: healthy after ${first.healthyMs} ms, idle RSS ${first.idleRssMb} MB`);
say(`Second start: healthy after ${second.healthyMs} ms, idle RSS ${second.idleRssMb} MB`);
