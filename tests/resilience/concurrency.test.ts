import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer } from '../support/fixtures.js';

// Races through the HTTP layer: real sessions, CSRF, routers and services over a real database.
let db: TestDatabase;
let app: Express;
let customerId: number;
let creatorId: number;

type Signed = Awaited<ReturnType<typeof signIn>> & { id: number; name: string };

async function signedInAgents(
  count: number,
  role: 'agent' | 'supervisor' = 'agent',
): Promise<Signed[]> {
  const out: Signed[] = [];
  for (let i = 0; i < count; i++) {
    const user = await createUser(db, role, { name: `Racer ${role} ${randomUUID().slice(0, 8)}` });
    out.push({ ...(await signIn(app, user.email)), id: user.id, name: user.name });
  }
  return out;
}

async function unassignedTicket(subject = `Race ticket ${randomUUID()}`) {
  return db.prisma.supportTicket.create({
    data: {
      number: `TKT-${randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase()}`,
      customerId,
      category: 'billing',
      priority: 'medium',
      subject,
      description: 'Initial description',
      createdById: creatorId,
    },
    select: { id: true, version: true },
  });
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const creator = await createUser(db, 'supervisor', { name: 'Ticket Creator' });
  creatorId = creator.id;
  customerId = (await makeCustomer(db, { label: 'Race' })).id;
});
afterAll(async () => {
  await db.drop();
});

describe('two agents saving the same ticket', () => {
  // Several rounds so the two saves really overlap in at least some of them; every round must hold.
  it.each([1, 2, 3, 4, 5])(
    'when both save the same version, then exactly one wins; the other gets a 409 page with the saved values and all of their own input (round %i)',
    async () => {
      const ticket = await unassignedTicket();
      const [a, b] = await signedInAgents(2);

      const versionOf = async (agent: request.Agent) => {
        const form = await agent.get(`/tickets/${ticket.id}/edit`).expect(200);
        const match = /name="version" value="(\d+)"/.exec(form.text);
        expect(match, 'edit form carries the version').not.toBeNull();
        return match![1];
      };
      const [versionA, versionB] = await Promise.all([versionOf(a.agent), versionOf(b.agent)]);
      expect(versionA).toBe(versionB);

      const tag = randomUUID().slice(0, 8);
      const inputA = {
        subject: `Alpha subject ${tag}`,
        description: `Alpha description ${tag}`,
        category: 'technical',
        priority: 'urgent',
      };
      const inputB = {
        subject: `Bravo subject ${tag}`,
        description: `Bravo description ${tag}`,
        category: 'appointment',
        priority: 'low',
      };
      const [resA, resB] = await Promise.all([
        postForm(a, `/tickets/${ticket.id}/edit`, { version: versionA, ...inputA }),
        postForm(b, `/tickets/${ticket.id}/edit`, { version: versionB, ...inputB }),
      ]);
      expect([resA.status, resB.status].sort()).toEqual([303, 409]);

      const [winner, loser] =
        resA.status === 303
          ? [
              { res: resA, input: inputA },
              { res: resB, input: inputB, who: b },
            ]
          : [
              { res: resB, input: inputB },
              { res: resA, input: inputA, who: a },
            ];
      expect(winner.res.headers.location).toBe(`/tickets/${ticket.id}`);

      // The winner's values are what is saved, with the version moved on once.
      const saved = await db.prisma.supportTicket.findUniqueOrThrow({
        where: { id: ticket.id },
        select: { subject: true, description: true, category: true, priority: true, version: true },
      });
      expect(saved).toEqual({ ...winner.input, version: Number(versionA) + 1 });
      const subjectChanges = await db.prisma.recordChange.count({
        where: { recordType: 'ticket', recordId: ticket.id, field: 'subject' },
      });
      expect(subjectChanges).toBe(1);

      // The conflict page shows the newer saved values …
      const page = loser.res.text;
      expect(page).toContain(winner.input.subject);
      expect(page).toContain(winner.input.description);
      expect(page).toMatch(new RegExp(`>\\s*${winner.input.category}\\s*</td>`));
      expect(page).toMatch(new RegExp(`>\\s*${winner.input.priority}\\s*</td>`));
      // … and keeps every field the loser typed, in a form carrying the new version.
      expect(page).toContain(`value="${loser.input.subject}"`);
      expect(page).toMatch(new RegExp(`>${escapeRe(loser.input.description)}</textarea>`));
      expect(page).toMatch(new RegExp(`<option value="${loser.input.category}"[^>]*selected`));
      expect(page).toMatch(new RegExp(`<option value="${loser.input.priority}"[^>]*selected`));
      expect(page).toContain(`name="version" value="${saved.version}"`);

      // Resubmitting the kept input with the new version is accepted.
      await postForm(loser.who, `/tickets/${ticket.id}/edit`, {
        version: String(saved.version),
        ...loser.input,
      }).expect(303);
      const after = await db.prisma.supportTicket.findUniqueOrThrow({
        where: { id: ticket.id },
        select: { subject: true, version: true },
      });
      expect(after).toEqual({ subject: loser.input.subject, version: saved.version + 1 });
    },
  );
});

describe('parallel creates', () => {
  const form = (subject: string, idempotencyKey: string) => ({
    customerId: String(customerId),
    category: 'billing',
    priority: 'medium',
    subject,
    description: 'Created in parallel',
    idempotencyKey,
  });

  it('when 40 creates with distinct idempotency keys run in parallel, then there are 40 rows with unique TKT- numbers', async () => {
    const agents = await signedInAgents(4);
    const marker = `Parallel-${randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        postForm(agents[i % agents.length], '/tickets', form(`${marker} #${i}`, randomUUID())),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(40).fill(303));
    const ids = responses.map((r) => Number(/^\/tickets\/(\d+)$/.exec(r.headers.location)?.[1]));
    expect(new Set(ids).size).toBe(40);

    const rows = await db.prisma.supportTicket.findMany({
      where: { subject: { startsWith: marker } },
      select: { id: true, number: true, subject: true },
    });
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(ids));
    expect(new Set(rows.map((r) => r.subject)).size).toBe(40);
    expect(new Set(rows.map((r) => r.number)).size).toBe(40);
    for (const row of rows) expect(row.number).toMatch(/^TKT-[A-Z0-9]{8}$/);
    // Each create wrote its history row in the same transaction.
    const history = await db.prisma.recordChange.count({
      where: { recordType: 'ticket', recordId: { in: ids }, field: 'status', toValue: 'open' },
    });
    expect(history).toBe(40);
  });

  it('when the same idempotency key is submitted 10× in parallel, then exactly one row is made and every submit lands on it', async () => {
    const agents = await signedInAgents(2);
    const key = randomUUID();
    const subject = `Double submit ${key}`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        postForm(agents[i % agents.length], '/tickets', form(subject, key)),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(303));
    const rows = await db.prisma.supportTicket.findMany({
      where: { OR: [{ idempotencyKey: key }, { subject }] },
      select: { id: true },
    });
    expect(rows).toHaveLength(1);
    expect(new Set(responses.map((r) => r.headers.location))).toEqual(
      new Set([`/tickets/${rows[0].id}`]),
    );
    const history = await db.prisma.recordChange.count({
      where: { recordType: 'ticket', recordId: rows[0].id, field: 'status' },
    });
    expect(history).toBe(1);
  });
});

describe('racing claims', () => {
  it.each([2, 10])(
    'when %i agents claim one unassigned ticket, then there is exactly one owner and the others are told who has it',
    async (n) => {
      const ticket = await unassignedTicket();
      const agents = await signedInAgents(n);
      const responses = await Promise.all(
        agents.map((claimer) => postForm(claimer, `/tickets/${ticket.id}/claim`)),
      );
      for (const res of responses) {
        expect(res.status).toBe(303);
        expect(res.headers.location).toBe(`/tickets/${ticket.id}`);
      }

      const row = await db.prisma.supportTicket.findUniqueOrThrow({
        where: { id: ticket.id },
        select: { assigneeId: true, version: true },
      });
      const owner = agents.find((a) => a.id === row.assigneeId);
      expect(owner, 'the ticket is owned by one of the claimers').toBeDefined();
      expect(row.version).toBe(ticket.version + 1);
      expect(
        await db.prisma.recordChange.count({
          where: { recordType: 'ticket', recordId: ticket.id, field: 'assignee' },
        }),
      ).toBe(1);

      // Each claimer follows the redirect: the winner is told they own it, every loser who owns it.
      const pages = await Promise.all(
        agents.map(({ agent }) => agent.get(`/tickets/${ticket.id}`).expect(200)),
      );
      let winners = 0;
      agents.forEach((a, i) => {
        if (a === owner) {
          winners += 1;
          expect(pages[i].text).toContain('You now own this ticket.');
        } else {
          expect(pages[i].text).toContain(`Already claimed by ${owner!.name}.`);
          expect(pages[i].text).not.toContain('You now own this ticket.');
        }
      });
      expect(winners).toBe(1);
    },
  );
});
