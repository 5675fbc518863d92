import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Browserish,
  signInOver,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';

// A bounded load run against the real server process on loopback: sign-ins, list views and writes
// at the same time, then every acknowledged write is looked up in the database.
const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const PASSWORD = 'caredesk-demo';

let server: ServerProcess;
let pool: pg.Pool;

beforeAll(async () => {
  server = await startServerProcess({ seedDemo: 'true' });
  pool = new pg.Pool({ connectionString: server.databaseUrl, max: 3 });
}, 180_000);
afterAll(async () => {
  await pool?.end();
  await server?.stop();
}, 60_000);

type Kind = 'login' | 'list' | 'ticket-create' | 'note';

class Stats {
  requests: Record<Kind, number> = { login: 0, list: 0, 'ticket-create': 0, note: 0 };
  serverErrors: string[] = [];
  unexpected: string[] = [];
  failures: string[] = [];

  /** Counts a response; anything but the expected status is remembered. */
  check(kind: Kind, label: string, res: Response, expected: number): boolean {
    this.requests[kind] += 1;
    if (res.status >= 500) this.serverErrors.push(`${res.status} ${label}`);
    else if (res.status !== expected) this.unexpected.push(`${res.status} ${label}`);
    return res.status === expected;
  }
}

describe('load without loss', () => {
  it(
    `when ${LOAD_SECONDS} s of sign-ins, lists and writes run, then there is no 5xx and every acknowledged write is stored once`,
    async () => {
      const run = randomUUID().slice(0, 8);
      const stats = new Stats();
      const ackedTickets: { id: number; subject: string; key: string }[] = [];
      const ackedNotes: { interactionId: number; body: string }[] = [];
      const [customers, interactions] = await Promise.all([
        pool.query<{ id: number }>('SELECT id FROM customers ORDER BY id LIMIT 50'),
        pool.query<{ id: number }>(
          `SELECT id FROM interactions WHERE status <> 'resolved' ORDER BY id LIMIT 20`,
        ),
      ]);
      expect(customers.rows.length).toBeGreaterThan(0);
      expect(interactions.rows.length).toBeGreaterThan(0);

      const deadline = Date.now() + LOAD_SECONDS * 1000;
      const running = () => Date.now() < deadline;
      const guard = async (label: string, work: () => Promise<void>) => {
        try {
          await work();
        } catch (error) {
          stats.failures.push(`${label}: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      };

      const signInWorker = async (w: number) => {
        const emails = [
          'agent@caredesk.test',
          'agent2@caredesk.test',
          'supervisor@caredesk.test',
          'admin@caredesk.test',
        ];
        for (let n = 0; running(); n++) {
          await guard('login', async () => {
            const jar = new Browserish(() => server.url);
            const page = await jar.get('/login');
            const html = await page.text();
            stats.check('login', 'GET /login', page, 200);
            const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
            const res = await jar.post('/login', {
              _csrf: token,
              email: emails[(w + n) % emails.length],
              password: PASSWORD,
            });
            await res.arrayBuffer();
            stats.check('login', 'POST /login', res, 303);
          });
        }
      };

      const listWorker = async (email: string, paths: string[]) => {
        const jar = new Browserish(() => server.url);
        await signInOver(jar, email, PASSWORD);
        for (let n = 0; running(); n++) {
          const target = paths[n % paths.length];
          await guard(`GET ${target}`, async () => {
            const res = await jar.get(target);
            await res.arrayBuffer();
            stats.check('list', `GET ${target}`, res, 200);
          });
        }
      };

      const createWorker = async (w: number, email: string) => {
        const jar = new Browserish(() => server.url);
        const csrf = await signInOver(jar, email, PASSWORD);
        for (let n = 0; running(); n++) {
          const key = randomUUID();
          const subject = `LOAD-${run}-${w}-${n}`;
          const customerId = customers.rows[n % customers.rows.length].id;
          await guard('POST /tickets', async () => {
            const res = await jar.post('/tickets', {
              _csrf: csrf,
              customerId: String(customerId),
              category: 'technical',
              priority: 'high',
              subject,
              description: `Load test ticket ${subject}`,
              idempotencyKey: key,
            });
            await res.arrayBuffer();
            if (!stats.check('ticket-create', 'POST /tickets', res, 303)) return;
            const match = /^\/tickets\/(\d+)$/.exec(res.headers.get('location') ?? '');
            if (match) ackedTickets.push({ id: Number(match[1]), subject, key });
            else stats.unexpected.push(`POST /tickets → Location ${res.headers.get('location')}`);
          });
        }
      };

      const noteWorker = async (w: number, email: string) => {
        const jar = new Browserish(() => server.url);
        const csrf = await signInOver(jar, email, PASSWORD);
        for (let n = 0; running(); n++) {
          const interactionId = interactions.rows[n % interactions.rows.length].id;
          const body = `LOADNOTE-${run}-${w}-${n} followed up with the patient`;
          await guard('POST note', async () => {
            const res = await jar.post(`/interactions/${interactionId}/notes`, {
              _csrf: csrf,
              body,
            });
            await res.arrayBuffer();
            if (stats.check('note', 'POST /interactions/:id/notes', res, 303))
              ackedNotes.push({ interactionId, body });
          });
        }
      };

      const started = Date.now();
      await Promise.all([
        signInWorker(0),
        signInWorker(1),
        listWorker('supervisor@caredesk.test', [
          '/tickets',
          '/interactions',
          '/customers',
          '/consultations',
          '/tickets?view=all&status=open&page=2',
          '/interactions?scope=all&channel=chat',
        ]),
        listWorker('agent@caredesk.test', [
          '/tickets',
          '/interactions',
          '/customers?q=a',
          '/consultations',
          '/tickets?view=unassigned',
          '/customers?page=3',
        ]),
        createWorker(0, 'agent@caredesk.test'),
        createWorker(1, 'agent2@caredesk.test'),
        createWorker(2, 'supervisor@caredesk.test'),
        noteWorker(0, 'supervisor@caredesk.test'),
      ]);
      const seconds = (Date.now() - started) / 1000;

      // Verification in the database: by id and by marker, each exactly once.
      const tickets = await pool.query<{ id: number; subject: string; idempotency_key: string }>(
        'SELECT id, subject, idempotency_key FROM support_tickets WHERE subject LIKE $1',
        [`LOAD-${run}-%`],
      );
      const bySubject = new Map<string, { id: number; key: string }[]>();
      for (const row of tickets.rows)
        bySubject.set(row.subject, [
          ...(bySubject.get(row.subject) ?? []),
          { id: row.id, key: row.idempotency_key },
        ]);
      const missingTickets = ackedTickets.filter((t) => !bySubject.has(t.subject));
      const duplicateTickets = [...bySubject]
        .filter(([, rows]) => rows.length !== 1)
        .map(([s]) => s);
      const wrongTickets = ackedTickets.filter((t) => {
        const rows = bySubject.get(t.subject);
        return rows?.length === 1 && (rows[0].id !== t.id || rows[0].key !== t.key);
      });
      const notes = await pool.query<{ body: string; interaction_id: number }>(
        'SELECT body, interaction_id FROM interaction_notes WHERE body LIKE $1',
        [`LOADNOTE-${run}-%`],
      );
      const noteCount = new Map<string, number>();
      for (const row of notes.rows)
        noteCount.set(
          `${row.interaction_id}|${row.body}`,
          (noteCount.get(`${row.interaction_id}|${row.body}`) ?? 0) + 1,
        );
      const missingNotes = ackedNotes.filter((n) => !noteCount.has(`${n.interactionId}|${n.body}`));
      const duplicateNotes = [...noteCount].filter(([, c]) => c !== 1).map(([k]) => k);
      const verifiedTickets = ackedTickets.length - missingTickets.length - wrongTickets.length;
      const verifiedNotes = ackedNotes.length - missingNotes.length;

      const total = Object.values(stats.requests).reduce((a, b) => a + b, 0);
      console.log(
        [
          `load: ${seconds.toFixed(1)} s, ${total} requests (${(total / seconds).toFixed(1)}/s)`,
          `  by kind: sign-in (GET+POST /login) ${stats.requests.login}, list ${stats.requests.list}, ticket creates ${stats.requests['ticket-create']}, notes ${stats.requests.note}`,
          `  5xx: ${stats.serverErrors.length}, other unexpected statuses: ${stats.unexpected.length}, network failures: ${stats.failures.length}`,
          `  acknowledged writes: ${ackedTickets.length} tickets, ${ackedNotes.length} notes`,
          `  verified in the database: ${verifiedTickets} tickets (rows with the marker: ${tickets.rowCount}), ${verifiedNotes} notes (rows: ${notes.rowCount})`,
        ].join('\n'),
      );

      expect(stats.serverErrors.slice(0, 10)).toEqual([]);
      expect(stats.unexpected.slice(0, 10)).toEqual([]);
      expect(stats.failures.slice(0, 10)).toEqual([]);
      expect(stats.requests.login).toBeGreaterThan(0);
      expect(stats.requests.list).toBeGreaterThan(0);
      expect(ackedTickets.length).toBeGreaterThan(0);
      expect(ackedNotes.length).toBeGreaterThan(0);
      expect(missingTickets).toEqual([]);
      expect(wrongTickets).toEqual([]);
      expect(duplicateTickets).toEqual([]);
      expect(tickets.rowCount).toBe(ackedTickets.length);
      expect(new Set(ackedTickets.map((t) => t.id)).size).toBe(ackedTickets.length);
      expect(missingNotes).toEqual([]);
      expect(duplicateNotes).toEqual([]);
      expect(notes.rowCount).toBe(ackedNotes.length);
    },
    (LOAD_SECONDS + 60) * 1000,
  );
});
