import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createHttpServer } from '../../src/http/http-server.js';
import { csrfFrom, TEST_PASSWORD } from './app.js';

/** An app listening on a free port, as a second instance would. */
export async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Signs in over plain HTTP and returns the session cookie. */
export async function signInCookie(baseUrl: string, email: string): Promise<string> {
  const page = await fetch(`${baseUrl}/login`);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
  const res = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      _csrf: csrfFrom(await page.text()),
      email,
      password: TEST_PASSWORD,
    }),
  });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** A text/event-stream reader that keeps every frame, comments included, for assertions. */
export class SseClient {
  readonly events: SseEvent[] = [];
  raw = '';
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  private request: http.ClientRequest | null = null;
  private buffer = '';
  private waiters: (() => void)[] = [];

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const client = new SseClient();
    await new Promise<void>((resolve, reject) => {
      client.request = http.get(
        url,
        { headers: { accept: 'text/event-stream', ...headers } },
        (res) => {
          client.status = res.statusCode ?? 0;
          client.headers = res.headers;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => client.take(chunk));
          res.on('error', () => {});
          resolve();
        },
      );
      client.request.on('error', reject);
    });
    return client;
  }

  /** Waits until `predicate` holds over the events received so far. */
  async until(predicate: (events: SseEvent[]) => boolean, timeoutMs = 10_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  close(): void {
    this.request?.destroy();
  }

  private take(chunk: string): void {
    this.raw += chunk;
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const at = line.indexOf(':');
        if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).trimStart();
      }
      if (fields.data === undefined) continue;
      this.events.push({
        id: fields.id ?? null,
        event: fields.event ?? 'message',
        data: fields.data,
      });
    }
    for (const wake of this.waiters.splice(0)) wake();
  }
}
