import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Express } from 'express';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, signIn } from '../support/app.js';
import { parseRange } from '../../src/modules/metrics/schema.js';
import { loadMetrics, type Metrics } from '../../src/modules/metrics/service.js';
import { csvCell } from '../../src/lib/csv.js';

// Range 2025-03-01..2025-03-10 (10 days); previous period 2025-02-19..2025-02-28.
const at = (s: string) => new Date(`${s}Z`);
const QUERY = 'from=2025-03-01&to=2025-03-10';

let db: TestDatabase;
let app: Express;
let metrics: Metrics;
let supervisor: Awaited<ReturnType<typeof signIn>>;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const p = db.prisma;
  const agentA = await createUser(db, 'agent', { name: '=SUM(A1)' });
  const agentB = await createUser(db, 'agent', { name: 'Bola Agent' });
  const sup = await createUser(db, 'supervisor');
  const admin = await createUser(db, 'admin');
  const doctor = await createUser(db, 'doctor');
  const customer = (n: number, created: string, last: string | null) =>
    p.customer.create({
      data: {
        firstName: `First${n}`,
        lastName: 'Last',
        fullName: `First${n} Last`,
        email: `c${n}@example.test`,
        phone: `0803 000 000${n}`,
        phoneDigits: `0803000000${n}`,
        createdAt: at(created),
        lastActivityAt: last ? at(last) : null,
      },
    });
  const c1 = await customer(1, '2025-01-01T00:00:00', '2025-03-09T00:00:00');
  const c2 = await customer(2, '2025-02-20T00:00:00', '2025-02-25T00:00:00');
  const c3 = await customer(3, '2025-03-05T00:00:00', null);
  await customer(4, '2025-03-12T00:00:00', '2025-03-12T00:00:00');

  let ref = 0;
  const consultation = (
    customerId: number,
    created: string,
    status: 'completed' | 'pending',
    start?: string,
    end?: string,
  ) =>
    p.consultation.create({
      data: {
        reference: `CNS-TEST000${++ref}`,
        customerId,
        mode: 'video',
        paymentModel: 'pay_first',
        amountMinor: 500000,
        status,
        doctorId: status === 'pending' ? null : doctor.id,
        createdAt: at(created),
        startedAt: start ? at(start) : null,
        endedAt: end ? at(end) : null,
      },
    });
  const k1 = await consultation(
    c1.id,
    '2025-03-02T10:00:00',
    'completed',
    '2025-03-02T10:00:00',
    '2025-03-02T10:30:00',
  );
  const k2 = await consultation(
    c1.id,
    '2025-03-03T11:00:00',
    'completed',
    '2025-03-03T11:00:00',
    '2025-03-03T11:10:00',
  );
  const k3 = await consultation(c2.id, '2025-03-04T00:00:00', 'pending');
  const k4 = await consultation(
    c2.id,
    '2025-02-25T09:00:00',
    'completed',
    '2025-02-25T09:00:00',
    '2025-02-25T09:20:00',
  );
  await consultation(c2.id, '2025-03-15T00:00:00', 'pending');

  const payment = (
    customerId: number,
    consultationId: number | null,
    amountMinor: number,
    status: 'paid' | 'pending' | 'refunded',
    paidAt: string | null,
  ) =>
    p.payment.create({
      data: {
        reference: `PAY-TEST000${++ref}`,
        customerId,
        consultationId,
        amountMinor,
        status,
        paidAt: paidAt ? at(paidAt) : null,
      },
    });
  await payment(c1.id, k1.id, 500000, 'paid', '2025-03-02T11:00:00');
  await payment(c1.id, k2.id, 750000, 'paid', '2025-03-03T12:00:00');
  await payment(c2.id, k4.id, 1000000, 'paid', '2025-02-25T10:00:00');
  await payment(c2.id, k3.id, 200000, 'pending', null);
  await payment(c3.id, null, 300000, 'refunded', '2025-03-05T00:00:00');

  const interaction = (
    agentId: number,
    customerId: number,
    start: string,
    status: 'active' | 'resolved',
    firstResponse: number | null,
    duration: number | null,
  ) =>
    p.interaction.create({
      data: {
        agentId,
        customerId,
        channel: 'chat',
        status,
        startedAt: at(start),
        firstResponseAt:
          firstResponse === null ? null : new Date(at(start).getTime() + firstResponse * 1000),
        endedAt: duration === null ? null : new Date(at(start).getTime() + duration * 1000),
        durationSeconds: duration,
      },
    });
  const i1 = await interaction(agentA.id, c1.id, '2025-03-01T09:00:00', 'resolved', 60, 600);
  await interaction(agentA.id, c2.id, '2025-03-02T09:00:00', 'resolved', 120, 1200);
  await interaction(agentB.id, c1.id, '2025-03-05T09:00:00', 'active', null, null);
  await interaction(agentB.id, c2.id, '2025-02-20T09:00:00', 'resolved', 30, 300);

  const ticket = (
    n: number,
    priority: 'urgent' | 'high' | 'medium' | 'low',
    category: 'billing' | 'technical' | 'medical' | 'appointment',
    status: 'open' | 'pending' | 'resolved',
    created: string,
    resolved: string | null,
    paused: number,
    resolver: number | null,
  ) =>
    p.supportTicket.create({
      data: {
        number: `TKT-TEST000${n}`,
        customerId: c1.id,
        category,
        priority,
        status,
        subject: `Ticket ${n}`,
        description: 'x',
        createdById: agentA.id,
        createdAt: at(created),
        resolvedAt: resolved ? at(resolved) : null,
        pausedSeconds: paused,
        resolvedById: resolver,
        pendingSince: status === 'pending' ? at(created) : null,
      },
    });
  // 5 h open minus a 1 h pause = exactly the 240 min urgent target: met.
  const t1 = await ticket(
    1,
    'urgent',
    'billing',
    'resolved',
    '2025-03-01T00:00:00',
    '2025-03-01T05:00:00',
    3600,
    agentA.id,
  );
  await ticket(
    2,
    'high',
    'technical',
    'resolved',
    '2025-03-02T00:00:00',
    '2025-03-03T02:00:00',
    0,
    agentA.id,
  ); // 1560 min > 1440: missed
  await ticket(3, 'medium', 'billing', 'open', '2025-03-04T00:00:00', null, 0, null);
  await ticket(4, 'low', 'medical', 'pending', '2025-03-05T00:00:00', null, 0, null);
  await ticket(
    5,
    'high',
    'appointment',
    'resolved',
    '2025-02-25T00:00:00',
    '2025-03-02T00:00:00',
    7200,
    agentB.id,
  ); // created before, resolved in range: missed
  await ticket(
    6,
    'medium',
    'billing',
    'resolved',
    '2025-02-20T00:00:00',
    '2025-02-21T00:00:00',
    0,
    agentB.id,
  ); // previous period: met

  const escalation = (data: {
    ticketId?: number;
    interactionId?: number;
    target: 'admin' | 'doctor';
    status: 'pending' | 'in_progress' | 'resolved';
    created: string;
    resolved?: string;
  }) =>
    p.escalation.create({
      data: {
        customerId: c1.id,
        ticketId: data.ticketId,
        interactionId: data.interactionId,
        targetType: data.target,
        targetUserId: data.target === 'admin' ? admin.id : doctor.id,
        raisedById: agentA.id,
        reason: 'Needs review',
        status: data.status,
        createdAt: at(data.created),
        resolvedAt: data.resolved ? at(data.resolved) : null,
        resolvedById: data.resolved ? (data.target === 'admin' ? admin.id : doctor.id) : null,
      },
    });
  await escalation({
    ticketId: t1.id,
    target: 'admin',
    status: 'pending',
    created: '2025-03-01T06:00:00',
  });
  await escalation({
    interactionId: i1.id,
    target: 'doctor',
    status: 'resolved',
    created: '2025-03-02T00:00:00',
    resolved: '2025-03-02T02:00:00',
  });
  await escalation({
    target: 'admin',
    status: 'resolved',
    created: '2025-02-22T00:00:00',
    resolved: '2025-03-03T00:00:00',
  });
  await escalation({ target: 'doctor', status: 'in_progress', created: '2025-02-23T00:00:00' });

  metrics = await loadMetrics(db.pool, parseRange({ from: '2025-03-01', to: '2025-03-10' }), 'UTC');
  supervisor = await signIn(app, sup.email);
});
afterAll(async () => {
  await db.drop();
});

describe('metrics figures (hand-computed)', () => {
  it('when consultations were booked and paid around the range, then they count by booking date and revenue by payment date', () => {
    expect(metrics.consultations.current).toEqual({
      total: 3,
      completed: 2,
      pending: 1,
      revenueMinor: 1_250_000,
      avgSeconds: 1200,
    });
    expect(metrics.consultations.previous).toEqual({
      total: 1,
      completed: 1,
      pending: 0,
      revenueMinor: 1_000_000,
      avgSeconds: 1200,
    });
  });

  it('when interactions started before and within the range, then those started within it are counted, with first-response and duration averages', () => {
    expect(metrics.interactions.current).toEqual({
      total: 3,
      active: 1,
      resolved: 2,
      avgFirstResponseSeconds: 90,
      avgDurationSeconds: 900,
    });
    expect(metrics.interactions.previous).toEqual({
      total: 1,
      active: 0,
      resolved: 1,
      avgFirstResponseSeconds: 30,
      avgDurationSeconds: 300,
    });
  });

  it('when tickets were paused before being resolved, then resolution time leaves the pauses out and SLA met uses the target of their priority', () => {
    const { current, previous } = metrics.tickets;
    expect(current).toMatchObject({ created: 4, open: 2, resolved: 3, slaMet: 1 });
    expect(current.avgResolutionSeconds).toBeCloseTo((14_400 + 93_600 + 424_800) / 3, 3);
    expect(current.slaMetPct).toBeCloseTo(100 / 3, 5);
    expect(previous).toMatchObject({
      created: 2,
      open: 0,
      resolved: 1,
      slaMet: 1,
      slaMetPct: 100,
      avgResolutionSeconds: 86_400,
    });
    expect(metrics.categories).toEqual([
      { key: 'billing', count: 2 },
      { key: 'appointment', count: 0 },
      { key: 'technical', count: 1 },
      { key: 'medical', count: 1 },
    ]);
    expect(metrics.priorities.map((r) => r.count)).toEqual([1, 1, 1, 1]);
  });

  it('when escalations were raised before and resolved within the range, then raised counts by creation and resolved by resolution', () => {
    expect(metrics.escalations.current).toEqual({
      raised: 2,
      pending: 1,
      inProgress: 0,
      resolved: 2,
      avgResolutionSeconds: (7200 + 777_600) / 2,
    });
    expect(metrics.escalations.previous).toEqual({
      raised: 2,
      pending: 0,
      inProgress: 1,
      resolved: 0,
      avgResolutionSeconds: null,
    });
    expect(metrics.escalationTargets).toEqual([
      { key: 'admin', count: 1 },
      { key: 'doctor', count: 1 },
    ]);
  });

  it('when customers registered and were active at different times, then total, active (90 days before the end), new and lifetime value follow the end of each period', () => {
    expect(metrics.customers.current).toEqual({
      total: 3,
      active: 2,
      new: 1,
      payers: 2,
      paidMinor: 2_250_000,
      lifetimeValueMinor: 1_125_000,
    });
    expect(metrics.customers.previous).toEqual({
      total: 2,
      active: 1,
      new: 1,
      payers: 1,
      paidMinor: 1_000_000,
      lifetimeValueMinor: 1_000_000,
    });
  });

  it('when agents handled interactions and resolved tickets, then the per-agent and per-day tables count them', () => {
    const [a, b] = ['=SUM(A1)', 'Bola Agent'].map((name) =>
      metrics.agents.find((x) => x.name === name)!,
    );
    expect(a).toMatchObject({ interactions: 2, avgDurationSeconds: 900, ticketsResolved: 2 });
    expect(b).toMatchObject({ interactions: 1, avgDurationSeconds: null, ticketsResolved: 1 });
    expect(metrics.days).toHaveLength(10);
    expect(metrics.days.slice(0, 3)).toEqual([
      {
        day: '2025-03-01',
        ticketsCreated: 1,
        ticketsResolved: 1,
        interactions: 1,
        consultations: 0,
      },
      {
        day: '2025-03-02',
        ticketsCreated: 1,
        ticketsResolved: 1,
        interactions: 1,
        consultations: 1,
      },
      {
        day: '2025-03-03',
        ticketsCreated: 0,
        ticketsResolved: 1,
        interactions: 0,
        consultations: 1,
      },
    ]);
  });
});

const row = (html: string, key: string) => {
  const match = new RegExp(`<tr data-metric="${key.replace('.', '\\.')}">([\\s\\S]*?)</tr>`).exec(
    html,
  );
  if (!match) throw new Error(`no row ${key}`);
  return match[1]
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
};

describe('GET /metrics', () => {
  it('when a supervisor opens a range, then each figure shows its unit, its definition and the change on the previous period', async () => {
    const res = await supervisor.agent.get(`/metrics?${QUERY}`).expect(200);
    expect(row(res.text, 'consultations.revenue')).toContain('NGN 12,500.00 NGN 10,000.00 ▲ 25.0%');
    expect(row(res.text, 'consultations.avgTime')).toContain('20 min 00 s');
    expect(row(res.text, 'interactions.total')).toContain('3 1 ▲ 200.0%');
    expect(row(res.text, 'tickets.sla')).toContain('33.3% 100.0% ▼ 66.7 pts');
    expect(row(res.text, 'tickets.avgResolution')).toContain('2 d 1 h');
    expect(row(res.text, 'tickets.avgResolution')).toContain('paused_seconds');
    expect(row(res.text, 'customers.ltv')).toContain('NGN 11,250.00');
    expect(row(res.text, 'escalations.pending')).toContain('1 0 new');
    expect(res.text).toContain('2025-02-19 to 2025-02-28');
    // Charts are inline SVG with a title and description, no inline styles or scripts.
    expect(res.text).toMatch(
      /<svg[^>]+role="img"[^>]+aria-labelledby="chart-daily-title chart-daily-desc"/,
    );
    expect(res.text).not.toMatch(/style="/);
    expect(res.text).not.toMatch(/<script>/);
    expect(res.text).not.toMatch(/cdn|https?:\/\/(?!www\.w3\.org)/i);
  });

  it('when no range is given, then the last 30 days are shown', async () => {
    const res = await supervisor.agent.get('/metrics').expect(200);
    const range = parseRange({});
    expect(range.days).toBe(30);
    expect(res.text).toContain(`value="${range.from}"`);
    expect(res.text).toContain(`value="${range.to}"`);
  });

  it('when the dates are malformed, reversed or too far apart, then the page still answers: the default with a message, the dates swapped, or the range limited', async () => {
    await supervisor.agent.get('/metrics?from[]=1&to[x]=2&from=a&from=b').expect(200);
    for (const q of [
      'from=garbage&to=2025-13-45',
      'from=0001-01-01&to=0001-01-02',
      'from=2025-02-30',
      'from=1&from=2',
    ]) {
      const res = await supervisor.agent.get(`/metrics?${q}`).expect(200);
      expect(res.text).toContain('YYYY-MM-DD');
    }
    const swapped = await supervisor.agent
      .get('/metrics?from=2025-03-10&to=2025-03-01')
      .expect(200);
    expect(swapped.text).toContain('swapped');
    expect(row(swapped.text, 'interactions.total')).toContain('3 1');
    const long = await supervisor.agent.get('/metrics?from=2000-01-01&to=2025-03-10').expect(200);
    expect(long.text).toContain('limited to 366 days');
  });

  it('when an agent, a doctor or nobody signed in asks, then the page and the export are refused; supervisors and admins get them', async () => {
    const agent = await createUser(db, 'agent');
    const doctor = await createUser(db, 'doctor');
    const admin = await createUser(db, 'admin');
    for (const user of [agent, doctor]) {
      const s = await signIn(app, user.email);
      await s.agent.get('/metrics').expect(403);
      await s.agent.get('/metrics/export.csv?table=summary').expect(403);
    }
    await (await signIn(app, admin.email)).agent.get('/metrics').expect(200);
    const anonymous = await request(app).get('/metrics').expect(303);
    expect(anonymous.headers.location).toBe('/login');
    await request(app).get('/metrics/export.csv?table=agents').expect(303);
  });
});

describe('GET /metrics/export.csv', () => {
  it('when a supervisor exports each table, then the CSV holds the same figures with formula-like cells escaped', async () => {
    const agents = await supervisor.agent
      .get(`/metrics/export.csv?table=agents&${QUERY}`)
      .expect(200);
    expect(agents.headers['content-type']).toMatch(/^text\/csv/);
    expect(agents.headers['content-disposition']).toContain(
      'caredesk-metrics-agents-2025-03-01-to-2025-03-10.csv',
    );
    expect(agents.text.split('\r\n')[0]).toBe(
      'agent,role,interactions_handled,avg_duration_seconds,tickets_resolved',
    );
    expect(agents.text).toContain("'=SUM(A1),agent,2,900.0,2\r\n");

    const summary = await supervisor.agent
      .get(`/metrics/export.csv?table=summary&${QUERY}`)
      .expect(200);
    expect(summary.text).toContain(
      'Consultations,Revenue,2025-03-01,2025-03-10,12500.00,10000.00,up 25.0% on the previous period,',
    );
    expect(summary.text).toMatch(
      /Support tickets,SLA met,2025-03-01,2025-03-10,33\.3,100\.0,down 66\.7 pts/,
    );

    const days = await supervisor.agent.get(`/metrics/export.csv?table=days&${QUERY}`).expect(200);
    expect(days.text).toContain('2025-03-02,1,1,1,1\r\n');
    expect(days.text.trim().split('\r\n')).toHaveLength(11);

    for (const table of ['categories', 'priorities', 'escalation-targets']) {
      const res = await supervisor.agent
        .get(`/metrics/export.csv?table=${table}&${QUERY}`)
        .expect(200);
      expect(res.text.trim().split('\r\n').length).toBeGreaterThan(2);
    }
    const categories = await supervisor.agent.get(`/metrics/export.csv?table=categories&${QUERY}`);
    expect(categories.text).toBe(
      'category,tickets_created\r\nbilling,2\r\nappointment,0\r\ntechnical,1\r\nmedical,1\r\n',
    );
  });

  it('when the table is unknown, then the export is a 400; when the dates are bad, then the default range is exported', async () => {
    await supervisor.agent.get('/metrics/export.csv?table=customer_medical').expect(400);
    await supervisor.agent.get('/metrics/export.csv').expect(400);
    await supervisor.agent
      .get('/metrics/export.csv?table=days&from=nope&to=2025-99-01')
      .expect(200);
  });

  it('when a cell holds quotes, commas or a leading formula sign, then csvCell quotes it and neutralises the formula', () => {
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('+44 20')).toBe("'+44 20");
    expect(csvCell('-cmd')).toBe("'-cmd");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-12.5')).toBe('-12.5');
    expect(csvCell('a "quoted", text')).toBe('"a ""quoted"", text"');
    expect(csvCell('=x,"y"')).toBe(`"'=x,""y"""`);
    expect(csvCell(null)).toBe('');
  });
});
