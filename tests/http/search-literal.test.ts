import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, signIn } from '../support/app.js';
import { makeConsultation, makeInteraction, makeTicket } from '../support/fixtures.js';

// Each pair differs only where the searched `%` or `_` stands: an unescaped wildcard finds both.
const tag = randomBytes(3).toString('hex');
const NAMES = {
  percent: `Zaria 7%Q${tag}`,
  percentLookalike: `Zaria 7xxQ${tag}`,
  underscore: `Zaria 8_Q${tag}`,
  underscoreLookalike: `Zaria 8yQ${tag}`,
};
const SEARCHES = [
  { term: `7%Q${tag}`, finds: NAMES.percent, misses: NAMES.percentLookalike },
  { term: `8_Q${tag}`, finds: NAMES.underscore, misses: NAMES.underscoreLookalike },
];

let db: TestDatabase;
let app: Express;
let agent: ReturnType<typeof request.agent>;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const supervisor = await createUser(db, 'supervisor');
  const doctor = await createUser(db, 'doctor');
  for (const fullName of Object.values(NAMES)) {
    const [firstName, lastName] = fullName.split(' ');
    const customer = await db.prisma.customer.create({
      data: {
        firstName,
        lastName,
        fullName,
        email: `${lastName.replace(/\W/g, '')}@example.test`,
        phone: '+234 800 000 0000',
        phoneDigits: '2348000000000',
      },
    });
    await makeTicket(db, customer.id, supervisor.id, supervisor.id);
    await makeInteraction(db, customer.id, supervisor.id);
    await makeConsultation(db, customer.id, { doctorId: doctor.id });
  }
  ({ agent } = await signIn(app, supervisor.email));
});
afterAll(async () => {
  await db.drop();
});

const searchBoxes: [string, (term: string) => string][] = [
  ['the customer picker of a new ticket', (t) => `/tickets/new?q=${t}`],
  ['the customer picker of a new interaction', (t) => `/interactions/new?q=${t}`],
  ['the interactions list filtered by customer', (t) => `/interactions?scope=all&customer=${t}`],
  ['the ticket list search', (t) => `/tickets?view=all&q=${t}`],
  ['the ticket list filtered by customer', (t) => `/tickets?view=all&customer=${t}`],
  ['the customer search', (t) => `/customers?q=${t}`],
  ['the consultations search', (t) => `/consultations?mine=0&q=${t}`],
];

describe('when a search term holds % or _, they match only themselves', () => {
  it.each(searchBoxes)(
    'when the term is searched in %s, then only the literal match is found',
    async (_name, url) => {
      for (const { term, finds, misses } of SEARCHES) {
        const res = await agent.get(url(encodeURIComponent(term))).expect(200);
        expect(res.text).toContain(finds);
        expect(res.text).not.toContain(misses);
      }
    },
  );
});
