import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, signIn } from '../support/app.js';
import { makeCustomer, makeEscalation, makeInteraction, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
let ticketId: number;
let interactionId: number;
let escalationId: number;
let raiserEmail: string;
let bystanderEmail: string;
const outcome = `Refund approved under policy ${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const [raiser, bystander, admin] = await Promise.all([
    createUser(db, 'agent'),
    createUser(db, 'agent'),
    createUser(db, 'admin'),
  ]);
  raiserEmail = raiser.email;
  bystanderEmail = bystander.email;
  const customer = await makeCustomer(db);
  const ticket = await makeTicket(db, customer.id, raiser.id, raiser.id);
  const interaction = await makeInteraction(db, customer.id, raiser.id);
  const escalation = await makeEscalation(db, {
    customerId: customer.id,
    ticketId: ticket.id,
    raisedById: raiser.id,
    targetType: 'admin',
    targetUserId: admin.id,
  });
  await db.prisma.escalation.update({
    where: { id: escalation.id },
    data: {
      interactionId: interaction.id,
      status: 'resolved',
      outcome,
      resolvedAt: new Date(),
      resolvedById: admin.id,
    },
  });
  // The bystander may open the ticket and interaction pages, but not the escalation.
  await db.prisma.supportTicket.update({ where: { id: ticket.id }, data: { assigneeId: null } });
  [ticketId, interactionId, escalationId] = [ticket.id, interaction.id, escalation.id];
});
afterAll(async () => {
  await db.drop();
});

describe('escalation outcomes on ticket and interaction pages', () => {
  it('when an agent may not open the escalation, then they see that it exists and its status, not the answer', async () => {
    const { agent } = await signIn(app, bystanderEmail);
    await agent.get(`/escalations/${escalationId}`).expect(404);
    for (const page of [`/tickets/${ticketId}`, `/interactions/${interactionId}`]) {
      const res = await agent.get(page).expect(200);
      expect(res.text).toContain(`Escalation #${escalationId}`);
      expect(res.text).toContain('badge-resolved');
      expect(res.text).not.toContain(outcome);
      expect(res.text).not.toContain(`href="/escalations/${escalationId}"`);
    }
  });

  it('when the agent raised the escalation, then the answer is shown with a link to it', async () => {
    const { agent } = await signIn(app, raiserEmail);
    await agent.get(`/escalations/${escalationId}`).expect(200);
    for (const page of [`/tickets/${ticketId}`, `/interactions/${interactionId}`]) {
      const res = await agent.get(page).expect(200);
      expect(res.text).toContain(outcome);
      expect(res.text).toContain(`href="/escalations/${escalationId}"`);
    }
  });
});
