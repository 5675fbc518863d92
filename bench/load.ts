// One measured stretch of load on one URL: autocannon at a fixed number of connections, latency
// percentiles from every response, throughput counted from 2xx responses only (a redirect to the
// sign-in page or an error page is a failure, never a fast page), and the process's peak RSS.
import { readFileSync } from 'node:fs';
import autocannon, { type Result } from 'autocannon';

export interface Segment {
  requestsPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  ok: number;
  failures: number;
  statuses: Record<string, number>;
  peakRssMb: number;
}

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  /** The process serving the URL, for its RSS. */
  pid: number;
}

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export async function load(options: LoadOptions): Promise<Segment> {
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  let ok = 0;
  let peak = rssMb(options.pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(options.pid))), 100);
  const started = performance.now();
  const result = await new Promise<Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        headers: options.headers,
        timeout: 30,
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_c: unknown, status: number, _b: number, ms: number) => {
      times.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status >= 200 && status < 300) ok++;
    });
  });
  clearInterval(sampler);
  const seconds = result.duration || (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return {
    requestsPerSec: round1(ok / seconds),
    p50: round1(percentile(times, 50)),
    p95: round1(percentile(times, 95)),
    p99: round1(percentile(times, 99)),
    ok,
    failures: times.length - ok + result.errors + result.timeouts,
    statuses,
    peakRssMb: round1(peak),
  };
}

/** The middle value of the rounds (each figure on its own). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : round1((sorted[mid - 1] + sorted[mid]) / 2);
}
