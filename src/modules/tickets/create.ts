import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { ValidationError } from '../../errors.js';
import { makeReference } from '../../lib/references.js';
import type { CreateInput } from './schema.js';
import { recordChange } from './history.js';
import { isUniqueViolation } from '../../db/errors.js';

export const MAX_NUMBER_ATTEMPTS = 5;

export interface CreateOptions {
  /** Injected in tests to force a collision. */
  makeNumber?: () => string;
  now?: Date;
}

function uniqueViolationOn(error: unknown): string | null {
  if (!isUniqueViolation(error)) return null;
  const e = error as { meta?: unknown; message?: string };
  const text = JSON.stringify(e.meta ?? {}) + ' ' + (e.message ?? '');
  if (text.includes('idempotency_key') || text.includes('idempotencyKey')) return 'idempotency_key';
  if (text.includes('number')) return 'number';
  return 'unknown';
}

type Created = { id: number; number: string; created: boolean };

/** The ticket an earlier submit with this idempotency key created, if any. */
async function ticketByKey(db: Db, idempotencyKey: string | undefined) {
  if (!idempotencyKey) return null;
  return db.supportTicket.findUnique({
    where: { idempotencyKey },
    select: { id: true, number: true },
  });
}

/** Why a linked interaction or consultation cannot be linked, if it cannot. */
function linkError(
  label: string,
  link: { customerId: number } | null,
  customerId: number,
): string | null {
  if (!link) return `That ${label} does not exist.`;
  if (link.customerId !== customerId) return `That ${label} belongs to another customer.`;
  return null;
}

/** The customer exists, and the interaction and consultation linked are theirs. */
async function assertLinksValid(db: Db, input: CreateInput): Promise<void> {
  const errors: Record<string, string> = {};
  const customer = await db.customer.findUnique({
    where: { id: input.customerId },
    select: { id: true },
  });
  if (!customer) errors.customerId = 'That customer does not exist.';
  if (input.interactionId) {
    const interaction = await db.interaction.findUnique({
      where: { id: input.interactionId },
      select: { customerId: true },
    });
    const error = linkError('interaction', interaction, input.customerId);
    if (error) errors.interactionId = error;
  }
  if (input.consultationId) {
    const consultation = await db.consultation.findUnique({
      where: { id: input.consultationId },
      select: { customerId: true },
    });
    const error = linkError('consultation', consultation, input.customerId);
    if (error) errors.consultationId = error;
  }
  if (Object.keys(errors).length)
    throw new ValidationError('Check the highlighted fields.', errors);
}

interface NewTicket {
  input: CreateInput;
  number: string;
  now?: Date;
}

/** The open ticket and its first history rows, in one transaction. */
async function insertTicket(db: Db, actor: Actor, { input, number, now }: NewTicket) {
  return db.$transaction(async (tx) => {
    const created = await tx.supportTicket.create({
      data: {
        number,
        customerId: input.customerId,
        interactionId: input.interactionId ?? null,
        consultationId: input.consultationId ?? null,
        category: input.category,
        priority: input.priority,
        subject: input.subject,
        description: input.description,
        createdById: actor.id,
        idempotencyKey: input.idempotencyKey ?? null,
        status: 'open',
        ...(now ? { createdAt: now } : {}),
      },
      select: { id: true, number: true },
    });
    const ticketId = created.id;
    await recordChange(tx, actor, { ticketId, field: 'status', from: null, to: 'open' });
    if (input.interactionId)
      await recordChange(tx, actor, {
        ticketId,
        field: 'interaction',
        from: null,
        to: `#${input.interactionId}`,
      });
    if (input.consultationId)
      await recordChange(tx, actor, {
        ticketId,
        field: 'consultation',
        from: null,
        to: `#${input.consultationId}`,
      });
    return created;
  });
}

/**
 * One try at inserting under `ticket.number`: null when another ticket holds that number. A
 * racing submit with the same idempotency key that won returns its ticket instead.
 */
async function tryInsert(db: Db, actor: Actor, ticket: NewTicket): Promise<Created | null> {
  try {
    return { ...(await insertTicket(db, actor, ticket)), created: true };
  } catch (error) {
    const target = uniqueViolationOn(error);
    if (!target) throw error;
    const again = await ticketByKey(db, ticket.input.idempotencyKey);
    if (again) return { ...again, created: false };
    if (target === 'idempotency_key') throw error;
    return null;
  }
}

/**
 * Creates an open ticket numbered TKT-XXXXXXXX. A number collision (unique constraint) is retried
 * with a fresh number; a repeated idempotency key returns the ticket the first submit created.
 */
export async function createTicket(
  db: Db,
  actor: Actor,
  input: CreateInput,
  options: CreateOptions = {},
): Promise<Created> {
  const existing = await ticketByKey(db, input.idempotencyKey);
  if (existing) return { ...existing, created: false };
  await assertLinksValid(db, input);
  const makeNumber = options.makeNumber ?? (() => makeReference('TKT'));
  for (let attempt = 1; attempt <= MAX_NUMBER_ATTEMPTS; attempt++) {
    const number = makeNumber();
    const created = await tryInsert(db, actor, { input, number, now: options.now });
    if (created) return created;
    // A number collision: try again with a fresh number.
  }
  throw new Error(
    `Could not allocate a unique ticket number after ${MAX_NUMBER_ATTEMPTS} attempts`,
  );
}
