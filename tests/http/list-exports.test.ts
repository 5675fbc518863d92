import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, createUser, csrfFrom, signIn, TEST_PASSWORD } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { EXPORT_BATCH } from '../../src/http/csv-export.js';
import { makeCustomer, makeEscalation, makeInteraction, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
type Session = Awaited<ReturnType<typeof signIn>>;
let sup: Session;
let supId: number;
let supEmail: string;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const s = await createUser(db, 'supervisor', { name: 'Sol Export' });
  supId = s.id;
  supEmail = s.email;
  sup = await signIn(app, s.email);
});
afterAll(async () => {
  await db.drop();
});

/** The CSV's records as arrays of cells (the exports quote only what needs it). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      cell += '"';
      i += 1;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && ch === ',') {
      row.push(cell);
      cell = '';
    } else if (!quoted && ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else {
      cell += ch;
    }
  }
  return rows;
}

/** The session cookie of a sign-in over a real socket (the test then reads the export by hand). */
async function signedInCookie(base: string, email: string): Promise<string> {
  const page = await request(base).get('/login');
  const first = String(page.headers['set-cookie']).split(';')[0];
  const res = await request(base)
    .post('/login')
    .set('Cookie', first)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password: TEST_PASSWORD });
  return String(res.headers['set-cookie']).split(';')[0];
}

async function lastExportAudit(actorId: number) {
  return db.prisma.auditEvent.findFirst({
    where: { actorId, action: 'list_exported' },
    orderBy: { id: 'desc' },
  });
}

describe('ticket list export', () => {
  it('when the list is filtered and sorted, then the CSV holds exactly the rows the list shows, in its order', async () => {
    const customer = await makeCustomer(db);
    const other = await makeCustomer(db);
    const low = await makeTicket(db, customer.id, supId, null);
    const urgent = await makeTicket(db, customer.id, supId, null);
    const resolved = await makeTicket(db, customer.id, supId, null);
    await makeTicket(db, other.id, supId, null);
    await db.prisma.supportTicket.update({ where: { id: low.id }, data: { priority: 'low' } });
    await db.prisma.supportTicket.update({
      where: { id: urgent.id },
      data: { priority: 'urgent' },
    });
    await db.prisma.supportTicket.update({
      where: { id: resolved.id },
      data: { status: 'resolved' },
    });

    const query = `view=all&status=open&customer=${customer.id}`;
    const list = await sup.agent.get(`/tickets?${query}`).expect(200);
    expect(list.text).toContain(`href="/tickets/export.csv?${query.replace(/&/g, '&amp;')}"`);
    const res = await sup.agent.get(`/tickets/export.csv?${query}`).expect(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('tickets.csv');
    expect(res.headers['cache-control']).toBe('no-store');
    const [header, ...rows] = parseCsv(res.text);
    expect(header.slice(0, 5)).toEqual(['number', 'subject', 'category', 'priority', 'status']);
    expect(rows.map((r) => r[0])).toEqual([urgent.number, low.number]);
    expect(rows[0][6]).toBe(customer.fullName);
  });

  it('when a subject starts like a formula, then its cell is prefixed so a spreadsheet shows text', async () => {
    const customer = await makeCustomer(db);
    const t = await makeTicket(db, customer.id, supId, null);
    await db.prisma.supportTicket.update({
      where: { id: t.id },
      data: { subject: '=HYPERLINK("http://evil.test","x")' },
    });
    await db.prisma.customer.update({
      where: { id: customer.id },
      data: { fullName: '@SUM(A1:A9)' },
    });
    const res = await sup.agent.get(`/tickets/export.csv?view=all&customer=${customer.id}`);
    const [, row] = parseCsv(res.text);
    expect(row[1]).toBe(`'=HYPERLINK("http://evil.test","x")`);
    expect(row[6]).toBe(`'@SUM(A1:A9)`);
  });

  it('when an export ends, then the audit trail says who, which list, which filters and how many rows', async () => {
    const customer = await makeCustomer(db);
    await makeTicket(db, customer.id, supId, null);
    await makeTicket(db, customer.id, supId, null);
    await sup.agent.get(`/tickets/export.csv?view=all&customer=${customer.id}&page=3`).expect(200);
    const audit = await lastExportAudit(supId);
    expect(audit).toMatchObject({ actorRole: 'supervisor', recordType: 'tickets' });
    expect(audit?.reason).toBe(`rows: 2; filters: customer=${customer.id}&view=all`);
  });

  it('when an agent asks for every ticket, then the export is refused as the list is, and nothing is audited', async () => {
    const agentUser = await createUser(db, 'agent');
    const agent = await signIn(app, agentUser.email);
    const res = await agent.agent.get('/tickets/export.csv?view=all');
    expect(res.status).toBe(403);
    expect(await lastExportAudit(agentUser.id)).toBeNull();
  });

  it('when an agent exports their own view, then only tickets assigned to them are in it', async () => {
    const agentUser = await createUser(db, 'agent');
    const agent = await signIn(app, agentUser.email);
    const customer = await makeCustomer(db);
    const mine = await makeTicket(db, customer.id, supId, agentUser.id);
    await makeTicket(db, customer.id, supId, supId);
    const res = await agent.agent.get(`/tickets/export.csv?view=mine`).expect(200);
    expect(
      parseCsv(res.text)
        .slice(1)
        .map((r) => r[0]),
    ).toEqual([mine.number]);
  });
});

describe('a long export', () => {
  it('when the list holds more rows than one cursor batch, then every row arrives once, in order', async () => {
    const customer = await makeCustomer(db);
    const count = EXPORT_BATCH * 2 + 17;
    await db.pool.query(
      `INSERT INTO support_tickets (number, customer_id, category, priority, subject, description,
                                    created_by_id, created_at, updated_at)
       SELECT 'TKT-B' || lpad(g::text, 7, '0'), $1, 'billing', 'low', 'Bulk ' || g, 'x', $2,
              now() - make_interval(secs => $3 - g), now()
         FROM generate_series(1, $3) g`,
      [customer.id, supId, count],
    );
    const res = await sup.agent.get(`/tickets/export.csv?view=all&customer=${customer.id}`);
    const numbers = parseCsv(res.text)
      .slice(1)
      .map((r) => r[0]);
    expect(numbers.length).toBe(count);
    expect(new Set(numbers).size).toBe(count);
    expect(numbers[0]).toBe('TKT-B0000001');
    expect(numbers[count - 1]).toBe(`TKT-B${String(count).padStart(7, '0')}`);
    expect((await lastExportAudit(supId))?.reason).toMatch(new RegExp(`^rows: ${count};`));
  });

  it('when the client stops reading part-way, then the server stops, frees its connection and audits the rows sent', async () => {
    const customer = await makeCustomer(db);
    const count = 40_000;
    await db.pool.query(
      `INSERT INTO support_tickets (number, customer_id, category, priority, subject, description,
                                    created_by_id, created_at, updated_at)
       SELECT 'TKT-S' || lpad(g::text, 7, '0'), $1, 'billing', 'low', 'Long subject ' || g, 'x',
              $2, now() - make_interval(secs => $3 - g), now()
         FROM generate_series(1, $3) g`,
      [customer.id, supId, count],
    );
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const cookie = await signedInCookie(`http://127.0.0.1:${port}`, supEmail);
    const firstChunk = await new Promise<number>((resolve, reject) => {
      const req = http.get(
        {
          port,
          host: '127.0.0.1',
          path: `/tickets/export.csv?view=all&customer=${customer.id}`,
          headers: { cookie },
        },
        (res) => {
          res.pause();
          res.once('readable', () => {
            const chunk = res.read() as Buffer;
            req.destroy();
            resolve(chunk.length);
          });
        },
      );
      req.on('error', (e) => (e.message.includes('aborted') ? undefined : reject(e)));
    });
    expect(firstChunk).toBeGreaterThan(0);
    await expect
      .poll(async () => (await lastExportAudit(supId))?.reason ?? '', { timeout: 20_000 })
      .toMatch(/\(stopped by the client\)/);
    const reason = (await lastExportAudit(supId))?.reason ?? '';
    expect(Number(/^rows: (\d+)/.exec(reason)?.[1])).toBeLessThan(count);
    // Its pool connection is back: the pool can still hand one out.
    const { rows } = await db.pool.query('SELECT 1 AS one');
    expect(rows[0].one).toBe(1);
    server.close();
  });
});

describe('interaction, escalation and customer exports', () => {
  it('when the interaction list is filtered by channel and customer, then so is the export', async () => {
    const customer = await makeCustomer(db);
    const chat = await makeInteraction(db, customer.id, supId);
    const call = await db.prisma.interaction.create({
      data: { customerId: customer.id, agentId: supId, channel: 'call', subject: '+1 line' },
    });
    const res = await sup.agent
      .get(`/interactions/export.csv?scope=all&channel=call&customer=${customer.id}`)
      .expect(200);
    const rows = parseCsv(res.text).slice(1);
    expect(rows.map((r) => Number(r[0]))).toEqual([call.id]);
    expect(rows[0][6]).toBe("'+1 line");
    expect(rows.some((r) => Number(r[0]) === chat.id)).toBe(false);
    expect((await lastExportAudit(supId))?.reason).toBe(
      `rows: 1; filters: channel=call&customer=${customer.id}&scope=all`,
    );
  });

  it('when an agent exports escalations, then only those they may see are in it, filtered by status', async () => {
    const agentUser = await createUser(db, 'agent');
    const agent = await signIn(app, agentUser.email);
    const admin = await createUser(db, 'admin');
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, supId, null);
    const base = { customerId: customer.id, ticketId: ticket.id, targetType: 'admin' as const };
    const raised = await makeEscalation(db, {
      ...base,
      raisedById: agentUser.id,
      targetUserId: admin.id,
    });
    const notMine = await makeEscalation(db, {
      ...base,
      raisedById: supId,
      targetUserId: admin.id,
    });
    const closed = await makeEscalation(db, {
      ...base,
      raisedById: agentUser.id,
      targetUserId: admin.id,
    });
    await db.prisma.escalation.update({ where: { id: closed.id }, data: { status: 'closed' } });
    const res = await agent.agent.get('/escalations/export.csv?status=pending').expect(200);
    const ids = parseCsv(res.text)
      .slice(1)
      .map((r) => Number(r[0]));
    expect(ids).toEqual([raised.id]);
    expect(ids).not.toContain(notMine.id);
    const all = await sup.agent.get('/escalations/export.csv?status=pending').expect(200);
    expect(all.text).toContain(`\r\n${notMine.id},`);
  });

  it('when customers are searched and sorted by recent activity, then the export keeps both', async () => {
    const tag = `Zed${Date.now()}`;
    const a = await makeCustomer(db, { label: tag });
    const b = await makeCustomer(db, { label: tag });
    await makeCustomer(db, { label: tag });
    await db.prisma.customer.update({
      where: { id: a.id },
      data: { lastActivityAt: new Date(Date.now() - 3_600_000) },
    });
    await db.prisma.customer.update({ where: { id: b.id }, data: { lastActivityAt: new Date() } });
    const list = await sup.agent.get(`/customers?q=${tag}&sort=recent`).expect(200);
    expect(list.text).toContain(`/customers/export.csv?q=${tag}&amp;sort=recent`);
    const res = await sup.agent.get(`/customers/export.csv?q=${tag}&sort=recent`).expect(200);
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual([
      'id',
      'name',
      'email',
      'phone',
      'joined at',
      'last activity at',
      'activity',
    ]);
    expect(rows.slice(1).map((r) => Number(r[0]))).toEqual([b.id, a.id]);
    expect(rows[1][6]).toBe('new');
  });
});
