import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Browserish,
  signInOver,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';

// Writes flow through the real server process; it is SIGKILLed mid-stream and restarted on the same
// data. Every acknowledged write must be there afterwards, nothing half-written, sessions intact.
const PASSWORD = 'caredesk-demo';
const RUN = randomUUID().slice(0, 8);

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess({ seedDemo: 'true' });
}, 180_000);
afterAll(async () => {
  await server?.stop();
}, 60_000);

async function sql<T extends pg.QueryResultRow>(
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

interface TicketWrite {
  kind: 'ticket';
  key: string;
  subject: string;
  form: Record<string, string>;
  id?: number;
  jar: Browserish;
}
interface EscalationWrite {
  kind: 'escalation';
  key: string;
  ticketId: number;
  form: Record<string, string>;
  id?: number;
  jar: Browserish;
}
interface NoteWrite {
  kind: 'note';
  body: string;
  interactionId: number;
  acked: boolean;
}

const tickets: TicketWrite[] = [];
const escalations: EscalationWrite[] = [];
const notes: NoteWrite[] = [];

const acked = () =>
  tickets.filter((t) => t.id).length +
  escalations.filter((e) => e.id).length +
  notes.filter((n) => n.acked).length;

/** Runs writers until `kill` has happened; each writer stops at its first refused/broken request. */
async function writePhase(
  phase: number,
  kill: () => Promise<void>,
  setup: { customerInteractions: { id: number; customer_id: number }[]; adminId: number },
) {
  let stopped = false;
  let killing = false;
  const before = acked();
  const jars = await Promise.all(
    [
      'agent@caredesk.test',
      'agent2@caredesk.test',
      'supervisor@caredesk.test',
      'admin@caredesk.test',
    ].map(async (email) => {
      const jar = new Browserish(() => server.url);
      return { jar, csrf: await signInOver(jar, email, PASSWORD) };
    }),
  );

  const postTicket = async (
    jar: Browserish,
    csrf: string,
    write: Omit<TicketWrite, 'jar' | 'kind'>,
  ) => {
    const entry: TicketWrite = { kind: 'ticket', ...write, jar };
    tickets.push(entry);
    const res = await jar.post('/tickets', { _csrf: csrf, ...write.form });
    await res.arrayBuffer();
    const match = /^\/tickets\/(\d+)$/.exec(res.headers.get('location') ?? '');
    if (res.status !== 303 || !match) throw new Error(`POST /tickets answered ${res.status}`);
    entry.id = Number(match[1]);
    return entry.id;
  };

  // A ticket raised from an interaction: ticket row + its record_changes rows in one transaction.
  const fromInteraction = async (w: number) => {
    const { jar, csrf } = jars[w];
    for (let n = 0; !stopped; n++) {
      const source = setup.customerInteractions[(w * 7 + n) % setup.customerInteractions.length];
      const key = randomUUID();
      const subject = `CRASH-${RUN}-p${phase}-i${w}-${n}`;
      await postTicket(jar, csrf, {
        key,
        subject,
        form: {
          customerId: String(source.customer_id),
          interactionId: String(source.id),
          category: 'technical',
          priority: 'medium',
          subject,
          description: 'Raised from an interaction during the crash test',
          idempotencyKey: key,
        },
      });
    }
  };

  // A ticket, then an escalation from it: escalation row + ticket status escalated in one transaction.
  const escalate = async (w: number) => {
    const { jar, csrf } = jars[w];
    for (let n = 0; !stopped; n++) {
      const key = randomUUID();
      const subject = `CRASH-${RUN}-p${phase}-e${w}-${n}`;
      const ticketId = await postTicket(jar, csrf, {
        key,
        subject,
        form: {
          customerId: String(
            setup.customerInteractions[n % setup.customerInteractions.length].customer_id,
          ),
          category: 'billing',
          priority: 'high',
          subject,
          description: 'To be escalated',
          idempotencyKey: key,
        },
      });
      const escalationKey = randomUUID();
      const entry: EscalationWrite = {
        kind: 'escalation',
        key: escalationKey,
        ticketId,
        jar,
        form: {
          ticketId: String(ticketId),
          targetType: 'admin',
          targetUserId: String(setup.adminId),
          reason: `Crash test escalation for ${subject}`,
          idempotencyKey: escalationKey,
        },
      };
      escalations.push(entry);
      const res = await jar.post('/escalations', { _csrf: csrf, ...entry.form });
      await res.arrayBuffer();
      const match = /^\/escalations\/(\d+)$/.exec(res.headers.get('location') ?? '');
      if (res.status !== 303 || !match) throw new Error(`POST /escalations answered ${res.status}`);
      entry.id = Number(match[1]);
    }
  };

  const note = async (w: number) => {
    const { jar, csrf } = jars[w];
    for (let n = 0; !stopped; n++) {
      const interactionId = setup.customerInteractions[n % setup.customerInteractions.length].id;
      const entry: NoteWrite = {
        kind: 'note',
        body: `CRASHNOTE-${RUN}-p${phase}-${n} called the patient back`,
        interactionId,
        acked: false,
      };
      notes.push(entry);
      const res = await jar.post(`/interactions/${interactionId}/notes`, {
        _csrf: csrf,
        body: entry.body,
      });
      await res.arrayBuffer();
      if (res.status !== 303) throw new Error(`POST note answered ${res.status}`);
      entry.acked = true;
    }
  };

  const failures: string[] = [];
  const writer = (work: Promise<void>) =>
    work.catch((error: Error) => {
      if (!killing) failures.push(error.message);
    });
  const workers = [
    writer(fromInteraction(0)),
    writer(fromInteraction(1)),
    writer(escalate(2)),
    writer(note(3)),
  ];

  // Let writes flow for a while (at least 40 acknowledged and 3 s), then kill mid-stream.
  const started = Date.now();
  while (
    (acked() - before < 40 || Date.now() - started < 3000) &&
    Date.now() - started < 30_000 &&
    failures.length === 0
  ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(failures, 'writes before the kill').toEqual([]);
  killing = true;
  await kill();
  stopped = true;
  await Promise.all(workers);
  return acked() - before;
}

/** Every acknowledged write present once, and the multi-row invariants hold for everything written. */
async function verify(label: string) {
  const marker = `CRASH-${RUN}-%`;
  const rows = await sql<{
    id: number;
    subject: string;
    idempotency_key: string;
    status: string;
    interaction_id: number | null;
  }>(
    'SELECT id, subject, idempotency_key, status, interaction_id FROM support_tickets WHERE subject LIKE $1',
    [marker],
  );
  const bySubject = new Map<string, typeof rows>();
  for (const row of rows) bySubject.set(row.subject, [...(bySubject.get(row.subject) ?? []), row]);
  expect(
    [...bySubject].filter(([, r]) => r.length > 1).map(([s]) => s),
    `${label}: tickets stored twice`,
  ).toEqual([]);
  const ackedTickets = tickets.filter((t) => t.id);
  expect(
    ackedTickets.filter((t) => bySubject.get(t.subject)?.[0]?.id !== t.id).map((t) => t.subject),
    `${label}: acknowledged tickets missing`,
  ).toEqual([]);

  const escRows = await sql<{ id: number; ticket_id: number; idempotency_key: string }>(
    'SELECT e.id, e.ticket_id, e.idempotency_key FROM escalations e JOIN support_tickets t ON t.id = e.ticket_id WHERE t.subject LIKE $1',
    [marker],
  );
  const escById = new Map(escRows.map((e) => [e.id, e]));
  const ackedEscalations = escalations.filter((e) => e.id);
  expect(
    ackedEscalations.filter((e) => escById.get(e.id!)?.ticket_id !== e.ticketId).map((e) => e.id),
    `${label}: acknowledged escalations missing`,
  ).toEqual([]);
  expect(new Set(escRows.map((e) => e.ticket_id)).size, `${label}: one escalation per ticket`).toBe(
    escRows.length,
  );

  const noteRows = await sql<{ body: string; n: number }>(
    'SELECT body, count(*)::int AS n FROM interaction_notes WHERE body LIKE $1 GROUP BY body',
    [`CRASHNOTE-${RUN}-%`],
  );
  const noteCount = new Map(noteRows.map((r) => [r.body, r.n]));
  expect(
    noteRows.filter((r) => r.n !== 1).map((r) => r.body),
    `${label}: notes stored twice`,
  ).toEqual([]);
  const ackedNotes = notes.filter((n) => n.acked);
  expect(
    ackedNotes.filter((n) => noteCount.get(n.body) !== 1).map((n) => n.body),
    `${label}: acknowledged notes missing`,
  ).toEqual([]);

  // No half-written multi-row changes.
  const invariants = await sql<{ check: string; ids: number[] | null }>(
    `SELECT 'ticket without its status history' AS check, array_agg(t.id) AS ids FROM support_tickets t
       WHERE t.subject LIKE $1 AND NOT EXISTS (SELECT 1 FROM record_changes c WHERE c.record_type = 'ticket' AND c.record_id = t.id AND c.field = 'status' AND c.to_value = 'open')
     UNION ALL
     SELECT 'ticket from an interaction without its link history', array_agg(t.id) FROM support_tickets t
       WHERE t.subject LIKE $1 AND t.interaction_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM record_changes c WHERE c.record_type = 'ticket' AND c.record_id = t.id AND c.field = 'interaction')
     UNION ALL
     SELECT 'escalation whose ticket is not escalated', array_agg(e.id) FROM escalations e JOIN support_tickets t ON t.id = e.ticket_id
       WHERE t.subject LIKE $1 AND t.status <> 'escalated'
     UNION ALL
     SELECT 'escalation without its history', array_agg(e.id) FROM escalations e JOIN support_tickets t ON t.id = e.ticket_id
       WHERE t.subject LIKE $1 AND NOT EXISTS (SELECT 1 FROM record_changes c WHERE c.record_type = 'escalation' AND c.record_id = e.id AND c.field = 'status' AND c.to_value = 'pending')
     UNION ALL
     SELECT 'escalated ticket without the status change in its history', array_agg(t.id) FROM support_tickets t
       WHERE t.subject LIKE $1 AND t.status = 'escalated'
         AND NOT EXISTS (SELECT 1 FROM record_changes c WHERE c.record_type = 'ticket' AND c.record_id = t.id AND c.field = 'status' AND c.to_value = 'escalated')
     UNION ALL
     SELECT 'escalated ticket without an escalation', array_agg(t.id) FROM support_tickets t
       WHERE t.subject LIKE $1 AND t.status = 'escalated' AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.ticket_id = t.id)
     UNION ALL
     SELECT 'ticket history for a ticket that does not exist', array_agg(c.record_id) FROM record_changes c
       WHERE c.record_type = 'ticket' AND NOT EXISTS (SELECT 1 FROM support_tickets t WHERE t.id = c.record_id)
     UNION ALL
     SELECT 'escalation history for an escalation that does not exist', array_agg(c.record_id) FROM record_changes c
       WHERE c.record_type = 'escalation' AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.id = c.record_id)`,
    [marker],
  );
  expect(
    invariants.filter((r) => r.ids?.length),
    `${label}: invariants`,
  ).toEqual([]);
  return {
    tickets: ackedTickets.length,
    escalations: ackedEscalations.length,
    notes: ackedNotes.length,
    ticketRows: rows.length,
    escalationRows: escRows.length,
    noteRows: noteRows.length,
  };
}

/** After a restart, clients resubmit what was never acknowledged, with the same idempotency keys. */
async function resubmitUnacknowledged(csrfFor: Map<Browserish, string>) {
  let resubmitted = 0;
  for (const t of tickets.filter((t) => !t.id)) {
    const res = await t.jar.post('/tickets', { _csrf: csrfFor.get(t.jar)!, ...t.form });
    await res.arrayBuffer();
    expect(res.status).toBe(303);
    t.id = Number(/^\/tickets\/(\d+)$/.exec(res.headers.get('location') ?? '')?.[1]);
    expect(t.id).toBeGreaterThan(0);
    resubmitted += 1;
  }
  for (const e of escalations.filter((e) => !e.id)) {
    const res = await e.jar.post('/escalations', { _csrf: csrfFor.get(e.jar)!, ...e.form });
    await res.arrayBuffer();
    expect(res.status).toBe(303);
    e.id = Number(/^\/escalations\/(\d+)$/.exec(res.headers.get('location') ?? '')?.[1]);
    expect(e.id).toBeGreaterThan(0);
    resubmitted += 1;
  }
  const keyed = await sql<{ key: string; n: number }>(
    `SELECT idempotency_key AS key, count(*)::int AS n FROM support_tickets WHERE idempotency_key = ANY($1) GROUP BY idempotency_key
     UNION ALL SELECT idempotency_key, count(*)::int FROM escalations WHERE idempotency_key = ANY($2) GROUP BY idempotency_key`,
    [tickets.map((t) => t.key), escalations.map((e) => e.key)],
  );
  expect(keyed.length).toBe(tickets.length + escalations.length);
  expect(keyed.filter((k) => k.n !== 1)).toEqual([]);
  return resubmitted;
}

describe('crash and restart', () => {
  it('when SIGKILL hits mid-write (app alone, then app and database), then acknowledged writes are kept, nothing is half-written, sessions stay valid', async () => {
    const [admin] = await sql<{ id: number }>(
      `SELECT id FROM users WHERE email = 'admin@caredesk.test'`,
    );
    const customerInteractions = await sql<{ id: number; customer_id: number }>(
      `SELECT id, customer_id FROM interactions WHERE status <> 'resolved' ORDER BY id LIMIT 20`,
    );
    expect(customerInteractions.length).toBeGreaterThan(0);
    const setup = { customerInteractions, adminId: admin.id };

    // A session opened before any crash, used again after each restart.
    const keeper = new Browserish(() => server.url);
    const keeperCsrf = await signInOver(keeper, 'supervisor@caredesk.test', PASSWORD);
    const sessionStillWorks = async () => {
      const home = await keeper.get('/');
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('Sola Supervisor');
      const res = await keeper.post(`/interactions/${customerInteractions[0].id}/notes`, {
        _csrf: keeperCsrf,
        body: `CRASHNOTE-${RUN}-session-${randomUUID()}`,
      });
      await res.arrayBuffer();
      expect(res.status).toBe(303);
    };
    const freshCsrf = async () => {
      const map = new Map<Browserish, string>();
      for (const jar of new Set([...tickets.map((t) => t.jar), ...escalations.map((e) => e.jar)])) {
        const page = await jar.get('/');
        expect(page.status, 'the writer sessions survive the restart').toBe(200);
        map.set(jar, /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]);
      }
      return map;
    };

    // Phase 1: only the app process dies; its embedded PostgreSQL is orphaned and must be stopped on restart.
    const orphan = server.postmasterPid();
    const phase1 = await writePhase(1, () => server.killServer(), setup);
    if (server.embedded)
      expect(server.postmasterPid(), 'the embedded PostgreSQL outlives the killed app').toBe(
        orphan,
      );
    await server.restart();
    if (server.embedded) {
      const now = server.postmasterPid();
      expect(now).toBeDefined();
      expect(now).not.toBe(orphan);
      // Once stopped, the orphan may linger as a zombie until its new parent reaps it: not running.
      await expect.poll(() => processState(orphan!), { timeout: 10_000 }).toMatch(/^(gone|Z)$/);
    }
    await sessionStillWorks();
    const verified1 = await verify('after app SIGKILL');
    const resubmitted1 = await resubmitUnacknowledged(await freshCsrf());
    await verify('after resubmitting (1)');

    // Phase 2: the app and its database die together (process group SIGKILL): PostgreSQL crash recovery.
    const phase2 = await writePhase(2, () => server.killAll(), setup);
    if (server.embedded)
      expect(server.postmasterPid(), 'no PostgreSQL survives killAll').toBeUndefined();
    await server.restart();
    await sessionStillWorks();
    const verified2 = await verify('after app+database SIGKILL');
    const resubmitted2 = await resubmitUnacknowledged(await freshCsrf());
    const final = await verify('after resubmitting (2)');

    const kill2 = server.embedded
      ? 'SIGKILL app + its PostgreSQL, crash recovery on restart'
      : 'SIGKILL app; external PostgreSQL keeps running';
    console.log(
      [
        `crash (${server.embedded ? 'embedded PostgreSQL' : 'external PostgreSQL'}):`,
        `  phase 1 (SIGKILL app${server.embedded ? `, orphaned PostgreSQL pid ${orphan} stopped on restart` : ''}): ${phase1} writes acknowledged before the kill; ${resubmitted1} unacknowledged resubmitted with their keys after restart`,
        `    verified after restart: ${verified1.tickets} tickets, ${verified1.escalations} escalations, ${verified1.notes} notes (all acknowledged so far)`,
        `  phase 2 (${kill2}): ${phase2} writes acknowledged before the kill; ${resubmitted2} unacknowledged resubmitted`,
        `    verified after restart: ${verified2.tickets} tickets, ${verified2.escalations} escalations, ${verified2.notes} notes (cumulative)`,
        `  final: ${final.ticketRows} ticket rows for ${final.tickets} acknowledged creates, ${final.escalationRows} escalations, ${final.noteRows} notes; invariants hold, no duplicates, pre-crash session still valid`,
      ].join('\n'),
    );
    expect(phase1).toBeGreaterThanOrEqual(40);
    expect(phase2).toBeGreaterThanOrEqual(40);
  }, 240_000);
});

/** 'gone', or the state letter from /proc/<pid>/stat (R, S, Z, …). */
function processState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ')[0];
  } catch {
    return 'gone';
  }
}
