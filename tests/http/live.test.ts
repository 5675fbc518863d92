import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { connectDatabase, type Database } from '../../src/db/client.js';
import type { LiveDesk } from '../../src/modules/live/hub.js';
import { notify } from '../../src/modules/notifications/service.js';
import { buildApp, createUser, testConfig } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeTicket } from '../support/fixtures.js';
import { listen, signInCookie, SseClient, type SseEvent } from '../support/sse.js';

let db: TestDatabase;
const cleanup: (() => Promise<void> | void)[] = [];
const LONG = { LIVE_STREAM_SECONDS: '600', LIVE_HEARTBEAT_SECONDS: '1' };

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
  await db.drop();
});

/** An app instance with its own pool and LISTEN connection, as a separate process would have. */
async function instance(database: Database = connectDatabase(db.url, 3)) {
  const app: Express = createApp({
    db: database.prisma,
    pool: database.pool,
    config: testConfig(LONG),
  });
  const server = await listen(app);
  const live = app.locals.live as LiveDesk;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
    await live.close();
    if (database !== db) await database.close();
  };
  cleanup.push(stop);
  return { app, url: server.url, live, stop };
}

async function stream(url: string, cookie: string, lastEventId?: string) {
  const resume: Record<string, string> = lastEventId ? { 'last-event-id': lastEventId } : {};
  const client = await SseClient.open(`${url}/events`, { cookie, ...resume });
  cleanup.push(() => client.close());
  await client.until(() => client.raw.includes('retry: '));
  return client;
}

const payloads = (events: SseEvent[]) =>
  events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data));
const has = (kind: string, id: number) => (events: SseEvent[]) =>
  payloads(events).some((p) => p.kind === kind && p.id === id);

describe('live event stream', () => {
  it(
    'when a ticket changes through one instance, then a stream held by another instance ' +
      'gets kind, id and version only',
    async () => {
      const [a, b] = [await instance(), await instance()];
      const agent = await createUser(db, 'agent', { name: 'Amara Agent' });
      const client = await stream(b.url, await signInCookie(b.url, agent.email));
      expect(client.status).toBe(200);
      expect(client.headers['content-type']).toMatch(/^text\/event-stream/);

      const customer = await makeCustomer(db, { label: 'Zebulon' });
      const ticket = await makeTicket(db, customer.id, agent.id, null);
      const data = { subject: 'SECRET-SUBJECT-4471', version: { increment: 1 } };
      await db.prisma.supportTicket.update({ where: { id: ticket.id }, data });
      await client.until(has('ticket.updated', ticket.id));
      expect(a.live.streamCount).toBe(0);

      const mine = payloads(client.events).filter((p) => p.id === ticket.id);
      expect(mine).toEqual([
        { kind: 'ticket.created', id: ticket.id, version: 1 },
        { kind: 'ticket.updated', id: ticket.id, version: 2 },
      ]);
      for (const p of payloads(client.events))
        expect(Object.keys(p).sort()).toEqual(['id', 'kind', 'version']);
      expect(client.raw).not.toContain('SECRET-SUBJECT');
      expect(client.raw).not.toContain('Zebulon');
      const ids = client.events.map((e) => Number(e.id));
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    },
  );

  it('when idle, then the stream carries only heartbeats within the configured interval', async () => {
    const a = await instance();
    const agent = await createUser(db, 'agent');
    const client = await stream(a.url, await signInCookie(a.url, agent.email));
    const before = client.events.length;
    await client.until(() => (client.raw.match(/: heartbeat/g) ?? []).length >= 2, 5_000);
    expect(client.events.length).toBe(before);
  });

  it(
    "when a notification is written, then only its recipient's stream hears of it, " +
      'and doctors hear nothing of tickets',
    async () => {
      const a = await instance();
      const [me, other] = [await createUser(db, 'agent'), await createUser(db, 'agent')];
      const doctor = await createUser(db, 'doctor');
      const [mine, theirs, doctors] = [
        await stream(a.url, await signInCookie(a.url, me.email)),
        await stream(a.url, await signInCookie(a.url, other.email)),
        await stream(a.url, await signInCookie(a.url, doctor.email)),
      ];
      const customer = await makeCustomer(db);
      const ticket = await makeTicket(db, customer.id, me.id, me.id);
      const breached = {
        userId: me.id,
        kind: 'ticket_breached',
        recordType: 'ticket',
        recordId: ticket.id,
      } as const;
      await db.prisma.$transaction((tx) => notify(tx, [breached]));
      const stored = await db.prisma.notification.findFirstOrThrow({ where: { userId: me.id } });
      await mine.until(has('notification.created', stored.id));
      await theirs.until(has('ticket.created', ticket.id));
      // A later event addressed to everyone proves the doctor's stream is live and simply skipped the ticket.
      const consultation = await db.prisma.consultation.create({
        data: {
          reference: `CNS-L${Date.now().toString(36)}`,
          customerId: customer.id,
          mode: 'chat',
          paymentModel: 'pay_later',
          amountMinor: 1,
        },
      });
      await doctors.until(has('consultation.created', consultation.id));
      await theirs.until(has('consultation.created', consultation.id));
      expect(has('notification.created', stored.id)(theirs.events)).toBe(false);
      const kinds = payloads(doctors.events).map((p) => String(p.kind).split('.')[0]);
      expect(kinds).not.toContain('ticket');
      expect(kinds).not.toContain('notification');
    },
  );

  it('when a transaction rolls back, then nothing is announced', async () => {
    const a = await instance();
    const agent = await createUser(db, 'agent');
    const client = await stream(a.url, await signInCookie(a.url, agent.email));
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, agent.id, agent.id);
    await db.prisma
      .$transaction(async (tx) => {
        await tx.supportTicket.update({ where: { id: ticket.id }, data: { version: 99 } });
        throw new Error('changed my mind');
      })
      .catch(() => {});
    await db.prisma.supportTicket.update({ where: { id: ticket.id }, data: { version: 2 } });
    await client.until(has('ticket.updated', ticket.id));
    expect(
      payloads(client.events)
        .filter((p) => p.id === ticket.id)
        .map((p) => p.version),
    ).toEqual([1, 2]);
  });

  it(
    'when one transaction changes a ticket in two statements, then it is announced once; ' +
      'the same change in two transactions is announced twice',
    async () => {
      const a = await instance();
      const agent = await createUser(db, 'agent');
      const client = await stream(a.url, await signInCookie(a.url, agent.email));
      const customer = await makeCustomer(db);
      const ticket = await makeTicket(db, customer.id, agent.id, agent.id);
      await db.prisma.$transaction(async (tx) => {
        await tx.supportTicket.update({ where: { id: ticket.id }, data: { status: 'pending' } });
        await tx.supportTicket.update({ where: { id: ticket.id }, data: { priority: 'high' } });
      });
      for (const priority of ['low', 'medium'] as const)
        await db.prisma.supportTicket.update({ where: { id: ticket.id }, data: { priority } });
      const settled = () =>
        payloads(client.events).filter((p) => p.kind === 'ticket.updated' && p.id === ticket.id);
      await client.until(() => settled().length >= 3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled().map((p) => p.version)).toEqual([1, 1, 1]);
    },
  );

  it(
    'when the server restarts, then a stream resuming with Last-Event-ID gets what committed meanwhile, ' +
      'in order, once',
    async () => {
      const agent = await createUser(db, 'agent');
      const customer = await makeCustomer(db);
      const first = await instance();
      const cookie = await signInCookie(first.url, agent.email);
      const before = await stream(first.url, cookie);
      const seen = await makeTicket(db, customer.id, agent.id, null);
      await before.until(has('ticket.created', seen.id));
      const resumeFrom = before.events.at(-1)!.id!;
      before.close();
      await first.stop();

      const missed = [];
      for (let i = 0; i < 3; i++) missed.push(await makeTicket(db, customer.id, agent.id, null));
      const second = await instance();
      const after = await stream(second.url, cookie, resumeFrom);
      await after.until(has('ticket.created', missed[2].id));
      const created = payloads(after.events)
        .filter((p) => p.kind === 'ticket.created')
        .map((p) => p.id);
      expect(created).toEqual(missed.map((t) => t.id));
      expect(after.events.every((e) => Number(e.id) > Number(resumeFrom))).toBe(true);
    },
  );

  it(
    'when Last-Event-ID is older than the stored window, then the stream says reset ' +
      'instead of skipping silently',
    async () => {
      const a = await instance();
      const agent = await createUser(db, 'agent');
      const customer = await makeCustomer(db);
      await makeTicket(db, customer.id, agent.id, null);
      await makeTicket(db, customer.id, agent.id, null);
      const { rows } = await db.pool.query<{ max: string }>(
        'SELECT max(seq)::text AS max FROM live.events',
      );
      await db.pool.query('DELETE FROM live.events WHERE seq < $1', [rows[0].max]);
      const client = await stream(a.url, await signInCookie(a.url, agent.email), '1');
      await client.until((events) => events.some((e) => e.event === 'reset'));
    },
  );

  it(
    'when the LISTEN connection is killed, then the instance reconnects by itself ' +
      'and delivers what committed meanwhile',
    async () => {
      const a = await instance();
      const agent = await createUser(db, 'agent');
      const client = await stream(a.url, await signInCookie(a.url, agent.email));
      const killed = await db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND query IN ('LISTEN caredesk_live', 'SELECT 1')`);
      expect(killed.rowCount).toBeGreaterThan(0);
      const customer = await makeCustomer(db);
      const ticket = await makeTicket(db, customer.id, agent.id, null);
      await client.until(has('ticket.created', ticket.id), 15_000);
    },
  );

  it('when signed out, then /events sends to sign-in and opens no stream', async () => {
    const app = buildApp(db);
    const res = await (await import('supertest')).default(app).get('/events');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
  });
});
